#!/usr/bin/env python3
"""What the tracker costs a page's main thread, in headless Chromium, beside the same page
without it (the peer, measured in the same run, alternating).

Each page view, in a tab of its own: a product page with 24 item cards, the tracker given
consent, a recommendation block rendered, the page scrolled to the bottom in 20 steps over 4 s.
Chromium's own counters for the tab (DevTools Performance.getMetrics: ScriptDuration, the time
spent running JavaScript; TaskDuration, all main-thread work) are read at the end; long tasks
(over 50 ms) come from a buffered PerformanceObserver. Then the tab is closed.

    bench/tracker_page.py --origin http://127.0.0.1:8080 --key kd_pub_... [--views 10]
"""
import argparse
import http.server
import os
import shutil
import socket
import statistics
import tempfile
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>product</title>
<style>.card{{display:inline-block;width:220px;height:260px;margin:10px;background:#eee}}</style>
<script>new PerformanceObserver(function(l){{window.longTasks=(window.longTasks||[]).concat(l.getEntries().map(function(e){{return e.duration}}))}}).observe({{type:'longtask',buffered:true}});</script>
{tracker}
</head><body><h1>Product</h1><div id="recs"></div>{cards}</body></html>"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--origin", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--views", type=int, default=10)
    args = parser.parse_args()
    pages = tempfile.mkdtemp()
    cards = "".join(f'<div class="card" data-kindred-item="P{n:05d}" data-kindred-request="bench">item {n}</div>' for n in range(1, 25))
    tracker = (f'<script async src="{args.origin}/v1/tracker.js" data-kindred-key="{args.key}" data-kindred-page="P00001"></script>'
               '<script>window.kindred=window.kindred||function(){(kindred.q=kindred.q||[]).push(arguments)};'
               "kindred('consent',{analytics:true,personalization:true});"
               "kindred('recommend',document.getElementById('recs'),{k:6});</script>")
    for name, script in (("with.html", tracker), ("without.html", "")):
        with open(os.path.join(pages, name), "w") as f:
            f.write(PAGE.format(tracker=script, cards=cards))
    port = free_port()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=pages, **k)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,800", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    results = {"with": [], "without": []}
    home = driver.current_window_handle
    try:
        for view in range(args.views * 2):
            name = "with" if view % 2 == 0 else "without"
            # A tab of its own per page view: Chromium's counters start at zero with its target.
            driver.switch_to.new_window("tab")
            driver.execute_cdp_cmd("Performance.enable", {})
            driver.get(f"http://127.0.0.1:{port}/{name}.html")
            # The same timeline for both pages: a second after load (the block renders well
            # inside it), then the scroll.
            time.sleep(1.0)
            deadline = time.time() + 10
            while name == "with" and time.time() < deadline and not driver.execute_script(
                    "return document.querySelectorAll('#recs [data-kindred-item]').length"):
                time.sleep(0.05)
            height = driver.execute_script("return document.documentElement.scrollHeight - innerHeight")
            for step in range(1, 21):
                driver.execute_script(f"window.scrollTo(0, {height * step / 20})")
                time.sleep(0.2)
            long_tasks = driver.execute_script("return window.longTasks || []")
            metrics = {m["name"]: m["value"] for m in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
            driver.close()  # pagehide: the tracker's dwell, scroll and beacon
            driver.switch_to.window(home)
            results[name].append({
                "script_ms": metrics["ScriptDuration"] * 1000, "task_ms": metrics["TaskDuration"] * 1000,
                "long_tasks": len(long_tasks), "longest_ms": max(long_tasks, default=0)})
    finally:
        driver.quit()
        httpd.shutdown()
        shutil.rmtree(pages)
    for name in ("with", "without"):
        views = results[name]
        print(f"{name:8} tracker: {len(views)} page views, main thread per view: script "
              f"{statistics.median(v['script_ms'] for v in views):.1f} ms, all tasks {statistics.median(v['task_ms'] for v in views):.1f} ms "
              f"(medians); long tasks {sum(v['long_tasks'] for v in views)}, longest {max(v['longest_ms'] for v in views):.0f} ms")
    extra_script = statistics.median(v["script_ms"] for v in results["with"]) - statistics.median(v["script_ms"] for v in results["without"])
    extra_task = statistics.median(v["task_ms"] for v in results["with"]) - statistics.median(v["task_ms"] for v in results["without"])
    print(f"the tracker's share per page view: script +{extra_script:.1f} ms, all main-thread tasks +{extra_task:.1f} ms")


if __name__ == "__main__":
    main()
