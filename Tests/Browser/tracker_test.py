#!/usr/bin/env python3
"""The tracker in a real browser: headless Chromium (Debian's chromium and chromium-driver,
driven by selenium) against `kindred serve` on loopback and a shop page served from another
origin, as a storefront would embed it.

    python3 Tests/Browser/tracker_test.py --kindred .build/debug/kindred [--artifacts DIR]

.ci/run installs Chromium, chromium-driver and selenium and runs this after `swift test`;
screenshots of the pages land in --artifacts (CI keeps them).
"""
import http.server
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

from browser_support import eventually, free_port, run_tests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ARGS = None
SHOP = None


class Shop:
    """A demo shop: its database, keys, a token secret, `kindred serve`, and a page server."""

    def __init__(self, kindred, work):
        self.kindred, self.work = kindred, work
        self.db = os.path.join(work, "shop.sqlite")
        self.run("demo", "--db", self.db)
        self.public = self.run("keys", "create", "--role", "public", "--db", self.db)
        self.admin = self.run("keys", "create", "--role", "admin", "--db", self.db)
        self.run("tokens", "secret", "--db", self.db)
        self.pages = os.path.join(work, "pages")
        os.makedirs(self.pages)
        self.page_port, self.port = free_port(), free_port()
        self.page_origin = f"http://127.0.0.1:{self.page_port}"
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(work, "serve.log"), "w")
        self.server = subprocess.Popen(
            [kindred, "serve", "--db", self.db, "--port", str(self.port), "--retrain-every", "off",
             "--cors-origins", self.page_origin, "--log-level", "warning"],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not eventually(self.healthy, timeout=60):
            raise RuntimeError("kindred serve did not start: " + open(self.log.name).read())
        pages = self.pages

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **k):
                super().__init__(*a, directory=pages, **k)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.page_port), Quiet)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def run(self, *args):
        done = subprocess.run([self.kindred, *args], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def healthy(self):
        try:
            return urllib.request.urlopen(self.origin + "/healthz", timeout=1).status == 200
        except OSError:
            return False

    def token(self, user):
        return self.run("tokens", "mint", user, "--ttl", "1h", "--db", self.db)

    def api(self, path, key=None):
        request = urllib.request.Request(self.origin + path, headers={"Authorization": "Bearer " + (key or self.admin)})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()

    def answered(self, route, status):
        """How many requests to `route` the server answered with `status`, by its own count."""
        return sum(int(m.group(1)) for m in re.finditer(
            r'kindred_http_requests_total\{[^}]*route="%s"[^}]*status="%d"[^}]*\} (\d+)' % (re.escape(route), status),
            self.api("/metrics")))

    def requests_seen(self):
        """Requests the server answered, by its own count, except the script itself and this count."""
        total = 0
        for line in self.api("/metrics").splitlines():
            m = re.match(r'kindred_http_requests_total\{(.*)\} (\d+)', line)
            if m and 'route="/v1/tracker.js"' not in m.group(1) and 'route="/metrics"' not in m.group(1) \
                    and 'route="/healthz"' not in m.group(1):
                total += int(m.group(2))
        return total

    def query(self, sql, *params):
        with sqlite3.connect(self.db, timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def events(self, session, type=None):
        sql = "SELECT type, item_id, value, request_id, pseudonym FROM events_readable WHERE session_id = ?"
        rows = self.query(sql + (" AND type = ?" if type else "") + " ORDER BY event_pk", session, *([type] if type else []))
        return rows

    def page(self, name, body, item=None, token=None, head="", flush_ms=None, key=True):
        """Writes a shop page that loads the tracker the documented way (without it: `key=False`)."""
        attrs = f'data-kindred-key="{self.public}"'
        if item:
            attrs += f' data-kindred-page="{item}"'
        if token:
            attrs += f' data-kindred-token="{token}"'
        if flush_ms:
            attrs += f' data-kindred-flush-ms="{flush_ms}"'
        html = f"""<!doctype html><html><head><meta charset="utf-8"><title>{name}</title>
<style>body{{margin:0;font:16px sans-serif}} .box{{position:absolute;left:20px;width:300px;height:200px;background:#eee}}
#recs{{display:flex;flex-wrap:wrap;gap:12px;padding:12px}} #recs a{{display:block;width:200px;padding:12px;border:1px solid #ccc;border-radius:6px}}
#recs i{{display:block;color:#666;font-size:13px;margin-top:6px}}</style>
{head}
{f'<script async src="{self.origin}/v1/tracker.js" {attrs}></script>' if key else ""}
<script>window.kindred=window.kindred||function(){{(kindred.q=kindred.q||[]).push(arguments)}};</script>
</head><body>{body}</body></html>"""
        with open(os.path.join(self.pages, name), "w") as f:
            f.write(html)
        return f"{self.page_origin}/{name}"

    def close(self):
        self.server.terminate()
        self.server.wait(timeout=30)
        self.httpd.shutdown()


def browser():
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,800", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


class TrackerInABrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.driver = browser()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def setUp(self):
        # Each test starts as a first visit: nothing kept from the last one on the shop's origin.
        self.driver.get(SHOP.page("blank.html", "", key=False))
        self.driver.execute_script("localStorage.clear(); sessionStorage.clear()")
        self.driver.delete_all_cookies()
        self.driver.get("about:blank")

    def open(self, url):
        self.driver.get(url)
        eventually(lambda: self.driver.execute_script("return !!(window.kindred && window.kindred.v)"), timeout=10)

    def consent(self, analytics=True, personalization=True):
        self.driver.execute_script(f"kindred('consent', {{analytics: {json.dumps(analytics)}, personalization: {json.dumps(personalization)}}})")

    def session(self):
        return eventually(lambda: self.driver.execute_script("return sessionStorage.getItem('kindred.s')"))

    def leave(self):
        """Navigates away: pagehide sends what is queued by beacon."""
        self.driver.get("about:blank")

    def shoot(self, name):
        if ARGS.artifacts:
            os.makedirs(ARGS.artifacts, exist_ok=True)
            self.driver.save_screenshot(os.path.join(ARGS.artifacts, name + ".png"))

    def scroll(self, y):
        self.driver.execute_script(f"window.scrollTo(0, {y})")

    def test_nothing_leaves_the_page_before_consent(self):
        url = SHOP.page("quiet.html", '<div style="height:3000px"><div class="box" style="top:100px" data-kindred-item="P00001" '
                        'data-kindred-request="r1">one</div></div>', item="P00001", flush_ms=200)
        before = SHOP.requests_seen()
        self.open(url)
        self.driver.execute_script("kindred('track', 'add_to_cart', {item_id: 'P00001', price: 5, value: 1})")
        self.driver.find_element("css selector", "[data-kindred-item]").click()
        self.scroll(1500)
        time.sleep(2.5)
        stored = self.driver.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]")
        self.leave()
        time.sleep(1.0)
        self.assertEqual(stored, [0, 0, ""], "nothing in storage before consent")
        self.assertEqual(SHOP.requests_seen(), before, "no request reached the server before consent")

    def test_global_privacy_control_counts_as_a_refusal(self):
        url = SHOP.page("gpc.html", "<p>gpc</p>", item="P00002", flush_ms=200,
                        head="<script>Object.defineProperty(navigator,'globalPrivacyControl',{value:true})</script>")
        before = SHOP.requests_seen()
        self.open(url)
        self.consent(analytics=True)
        self.driver.execute_script("kindred('track', 'add_to_cart', {item_id: 'P00002'})")
        time.sleep(1.5)
        self.assertEqual(self.driver.execute_script("return localStorage.length + sessionStorage.length"), 0)
        self.leave()
        time.sleep(1.0)
        self.assertEqual(SHOP.requests_seen(), before)

    def test_impressions_follow_the_viewability_rule(self):
        self.open("about:blank")
        body = ('<div style="height:10000px;position:relative">'
                '<div class="box" id="a" style="top:1200px" data-kindred-item="P00011" data-kindred-request="req-view">A</div>'
                '<div class="box" id="b" style="top:2400px" data-kindred-item="P00012" data-kindred-request="req-view">B</div>'
                '<div class="box" id="c" style="top:4100px" data-kindred-item="P00013" data-kindred-request="req-view">C</div>'
                '<div class="box" id="d" style="top:9000px" data-kindred-item="P00014" data-kindred-request="req-view">D</div></div>')
        url = SHOP.page("impressions.html", body, flush_ms=300)
        self.open(url)
        self.consent()
        sid = self.session()
        inner = self.driver.execute_script("return window.innerHeight")
        self.scroll(1200 - 100)          # A wholly in view for 1.5 s
        time.sleep(1.5)
        self.scroll(2400 - 100)          # B in view for 0.5 s, then gone
        time.sleep(0.5)
        self.scroll(4100 - inner + 80)   # C: 80 of its 200 px (40%) in view for 2 s
        time.sleep(2.0)
        self.shoot("impressions")
        self.leave()
        seen = eventually(lambda: SHOP.events(sid, "impression"), timeout=10)
        time.sleep(1.0)
        seen = SHOP.events(sid, "impression")
        self.assertEqual([row[1] for row in seen], ["P00011"], "only A met the rule: half visible for a continuous second")
        self.assertEqual(seen[0][3], "req-view")

    def test_a_click_on_a_recommendation_is_attributed_to_its_list(self):
        url = SHOP.page("recs.html", '<h1>For you</h1><div id="recs"></div>', flush_ms=500)
        self.open(url)
        self.consent()
        self.driver.execute_script("kindred('recommend', document.getElementById('recs'), {k: 4})")
        first = eventually(lambda: self.driver.find_elements("css selector", "#recs [data-kindred-item]"))
        self.assertEqual(len(first), 4)
        item, request = first[0].get_attribute("data-kindred-item"), first[0].get_attribute("data-kindred-request")
        self.assertEqual(self.driver.find_element("id", "recs").get_attribute("data-kindred-personalized"), "false")
        self.shoot("recommendations-anonymous")
        first[0].click()
        clicks = eventually(lambda: SHOP.query(
            "SELECT clicks FROM impression_outcomes WHERE request_id = ? AND item_id = ? AND clicks > 0", request, item))
        self.assertEqual(clicks, [(1,)], "the click carries the list's request id")

    def test_dwell_and_scroll_depth_are_what_the_visitor_did(self):
        url = SHOP.page("product.html", '<div style="height:4000px">a long product page</div>', item="P00021")
        self.open(url)
        self.consent()
        started = time.time()
        sid = self.session()
        height, inner = self.driver.execute_script("return [document.documentElement.scrollHeight, innerHeight]")
        self.scroll(height * 0.5 - inner)
        time.sleep(3.0 - (time.time() - started))
        elapsed = time.time() - started
        self.leave()
        dwell = eventually(lambda: SHOP.events(sid, "dwell"))
        scroll = eventually(lambda: SHOP.events(sid, "scroll"))
        self.assertAlmostEqual(dwell[0][2], elapsed, delta=elapsed * 0.10)
        self.assertAlmostEqual(scroll[0][2], 0.5, delta=0.05)
        views = SHOP.events(sid, "view")
        self.assertEqual([(v[0], v[1]) for v in views], [("view", "P00021")])
        # The page view carries the time zone the browser is in, as its Intl API names it.
        zone = self.driver.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
        self.assertTrue(zone)
        self.assertEqual(SHOP.query("SELECT time_zone FROM events_readable WHERE session_id = ? AND type = 'view'", sid), [(zone,)])

    def test_closing_the_tab_right_after_an_event_still_delivers_it(self):
        url = SHOP.page("close.html", "<p>cart</p>", item="P00031")
        main = self.driver.current_window_handle
        self.driver.switch_to.new_window("tab")
        self.open(url)
        self.consent()
        sid = self.session()
        self.driver.execute_script("kindred('track', 'add_to_cart', {item_id: 'P00031', price: 12.5, value: 2})")
        self.driver.close()
        self.driver.switch_to.window(main)
        carts = eventually(lambda: SHOP.events(sid, "add_to_cart"))
        self.assertEqual([(c[1], c[2]) for c in carts], [("P00031", 2.0)])

    def test_nothing_is_lost_while_the_server_answers_503(self):
        url = SHOP.page("outage.html", "<p>outage</p>", item="P00041", flush_ms=300)
        self.open(url)
        self.consent()
        sid = self.session()
        release = threading.Event()
        locked = threading.Event()

        def hold_the_write_lock():
            db = sqlite3.connect(SHOP.db, timeout=30, isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            locked.set()
            release.wait(30)
            db.execute("ROLLBACK")
            db.close()

        refused = SHOP.answered("/v1/events", 503)
        holder = threading.Thread(target=hold_the_write_lock)
        holder.start()
        locked.wait(10)
        for n in range(5):
            self.driver.execute_script(f"kindred('track', 'add_to_cart', {{item_id: 'P0004{n}', value: 1}})")
        # The server waits for the lock (10 s), answers 503 with Retry-After, and the tracker waits.
        time.sleep(12)
        self.assertEqual(SHOP.events(sid, "add_to_cart"), [], "nothing could be stored yet")
        waiting = self.driver.execute_script("return JSON.parse(localStorage.getItem('kindred.q')).length")
        self.assertGreaterEqual(waiting, 5, "kept in storage while the server refuses")
        self.assertGreater(SHOP.answered("/v1/events", 503), refused, "the server did answer 503")
        # A reload meanwhile: the queue survives the page.
        self.open(url)
        self.consent()
        release.set()
        holder.join()
        carts = eventually(lambda: len(SHOP.events(sid, "add_to_cart")) >= 5 and SHOP.events(sid, "add_to_cart"), timeout=40)
        time.sleep(2)
        carts = SHOP.events(sid, "add_to_cart")
        self.assertEqual(sorted(c[1] for c in carts), [f"P0004{n}" for n in range(5)], "each event once, none lost")

    def test_a_token_makes_the_block_personal(self):
        user = "c00042"
        anonymous = SHOP.page("anon.html", '<div id="recs"></div>')
        self.open(anonymous)
        self.consent()
        self.driver.execute_script("kindred('recommend', document.getElementById('recs'), {k: 5})")
        eventually(lambda: self.driver.find_elements("css selector", "#recs [data-kindred-item]"))
        self.assertEqual(self.driver.find_element("id", "recs").get_attribute("data-kindred-personalized"), "false")

        mine = SHOP.page("mine.html", '<div id="recs"><template><a><b data-kindred-field="title"></b> '
                         '<i data-kindred-field="reason"></i></a></template></div>', token=SHOP.token(user))
        self.open(mine)
        self.consent()
        self.driver.execute_script("kindred('recommend', document.getElementById('recs'), {k: 5})")
        items = eventually(lambda: self.driver.find_elements("css selector", "#recs [data-kindred-item]"))
        self.assertEqual(self.driver.find_element("id", "recs").get_attribute("data-kindred-personalized"), "true")
        expected = json.loads(SHOP.api(f"/v1/users/{user}/recommendations?k=5"))
        self.assertEqual([i.get_attribute("data-kindred-item") for i in items], [i["item_id"] for i in expected["items"]])
        self.assertIn(expected["items"][0]["title"], items[0].text, "the shop's template was filled")
        self.shoot("recommendations-personal")
        recorded = eventually(lambda: SHOP.query(
            "SELECT purpose, granted FROM consents WHERE source = 'tracker' AND user_pk = "
            "(SELECT user_pk FROM users WHERE pseudonym = ?) ORDER BY purpose", SHOP.run("pseudonym", user, "--db", SHOP.db)))
        self.assertEqual(recorded, [("analytics", 1), ("personalization", 1)], "the banner's decision recorded for the person")

    def test_hovering_a_link_fetches_the_next_pages_list_ahead(self):
        url = SHOP.page("hover.html", '<p><a id="next" href="#" data-kindred-item="P00005">a product</a></p><div id="recs"></div>')
        self.open(url)
        self.consent()
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.driver).move_to_element(self.driver.find_element("id", "next")).perform()
        self.assertTrue(eventually(lambda: self.driver.execute_script("return sessionStorage.getItem('kindred.p.P00005')")))
        asked = SHOP.answered("/v1/items/{id}/similar", 200)
        self.driver.execute_script("kindred('recommend', document.getElementById('recs'), {similar: 'P00005', k: 8})")
        items = eventually(lambda: self.driver.find_elements("css selector", "#recs [data-kindred-item]"))
        expected = json.loads(SHOP.api("/v1/items/P00005/similar?k=8"))
        self.assertEqual([i.get_attribute("data-kindred-item") for i in items], [i["item_id"] for i in expected["items"]])
        self.assertEqual(SHOP.answered("/v1/items/{id}/similar", 200), asked + 1,
                         "rendered from what the hover fetched: the only similar-items request since is the test's own")


class LiveRecommendations(unittest.TestCase):
    def test_a_live_block_changes_when_the_persons_events_do(self):
        driver = browser()
        try:
            user = "live-visitor"
            url = SHOP.page("live.html", '<div id="recs"></div>', token=SHOP.token(user), flush_ms=200)
            driver.get(url)
            eventually(lambda: driver.execute_script("return !!(window.kindred && window.kindred.v)"), timeout=10)
            driver.execute_script("kindred('consent', {analytics: true, personalization: true});"
                                  "kindred('recommend', document.getElementById('recs'), {k: 5, live: true})")
            recs = lambda: driver.find_element("id", "recs")
            self.assertTrue(eventually(lambda: recs().get_attribute("data-kindred-personalized") == "false"),
                            "a newcomer's first list is a stranger's")
            before = [e.get_attribute("data-kindred-item") for e in recs().find_elements("css selector", "[data-kindred-item]")]
            for n in range(1, 7):
                driver.execute_script(f"kindred('track', 'purchase', {{item_id: 'P{100 + n:05d}', price: 5, value: 1}})")
            self.assertTrue(eventually(lambda: recs().get_attribute("data-kindred-personalized") == "true", timeout=20),
                            "the stream brought their own list without a reload")
            after = [e.get_attribute("data-kindred-item") for e in recs().find_elements("css selector", "[data-kindred-item]")]
            self.assertNotEqual(before, after)
            self.assertFalse(set(after) & {f"P{100 + n:05d}" for n in range(1, 7)}, "what they bought is left out")
        finally:
            driver.quit()


if __name__ == "__main__":
    run_tests(sys.modules[__name__], Shop, "browser")
