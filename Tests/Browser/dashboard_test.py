#!/usr/bin/env python3
"""The dashboard in a real browser: headless Chromium against `kindred serve` on the sample
shop with simulated traffic, a segment build and two experiments.

    python3 Tests/Browser/dashboard_test.py --kindred .build/debug/kindred [--artifacts DIR]

It signs in through the form, opens every page at 1280 and 390 pixels wide, and holds every
chart mark, figure and table cell to the page's own "show SQL" run with Python's sqlite3 on the
same file. It starts and stops an experiment with the buttons, and checks that a public key and
no key see nothing. Screenshots land in --artifacts (CI keeps them; README shows a few).
"""
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import unittest
import urllib.error
import urllib.parse
import urllib.request

from browser_support import eventually, free_port, run_tests
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ARGS = None
SHOP = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = ["/dashboard", "/dashboard/recommendations?user=c00042", "/dashboard/experiments",
         "/dashboard/experiments/recs-popularity", "/dashboard/segments", "/dashboard/models", "/dashboard/privacy"]


class Shop:
    """The demo shop with three simulated days of traffic, segments, a running and a draft
    experiment, and `kindred serve` on loopback."""

    def __init__(self, kindred, work):
        self.kindred, self.work = kindred, work
        self.db = os.path.join(work, "shop.sqlite")
        self.run("demo", "--db", self.db)
        self.run("segments", "build", "--db", self.db)
        self.run("experiments", "create", "recs-popularity", "--name", "Popularity <against> the model",
                 "--variant", "control=default", "--variant", "popular=algorithm:popularity", "--db", self.db)
        self.run("experiments", "create", "home-layout", "--draft", "--surface", "home", "--layer", "home", "--variant", "control=default",
                 "--variant", "trending-first=layout:trending-in-segment,for-you,new-arrivals", "--db", self.db)
        self.run("simulate", "--shop", os.path.join(ROOT, "sample-data"), "--days", "3", "--visitors", "300", "--db", self.db)
        self.run("experiments", "report", "recs-popularity", "--db", self.db)
        self.admin = self.run("keys", "create", "--role", "admin", "--db", self.db).split()[-1]
        self.public = self.run("keys", "create", "--role", "public", "--db", self.db).split()[-1]
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(work, "serve.log"), "w")
        self.server = subprocess.Popen(
            [kindred, "serve", "--db", self.db, "--port", str(self.port), "--retrain-every", "off", "--log-level", "warning"],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not eventually(self.healthy, timeout=60):
            raise RuntimeError("kindred serve did not start: " + open(self.log.name).read())

    def run(self, *args):
        done = subprocess.run([self.kindred, *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"kindred {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def healthy(self):
        try:
            with urllib.request.urlopen(self.origin + "/healthz", timeout=2) as response:
                return response.status == 200
        except Exception:
            return False

    def query(self, sql):
        """The rows and column names of `sql` on the shop's file, read-only, as sqlite3 gives them."""
        connection = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            cursor = connection.execute(sql)
            return [d[0] for d in cursor.description], cursor.fetchall()
        finally:
            connection.close()

    def close(self):
        self.server.terminate()
        self.server.wait(timeout=30)


def browser(width):
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={width},900", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


def same(stored, shown):
    """A value from sqlite3 and its raw text on the page: numbers to the last bit, text exactly."""
    if stored is None:
        return shown == ""
    if isinstance(stored, bool) or isinstance(stored, int):
        return shown == str(stored)
    if isinstance(stored, float):
        try:
            return float(shown) == stored or (math.isnan(stored) and shown == "")
        except ValueError:
            return False
    return shown == str(stored)


class DashboardInABrowser(unittest.TestCase):
    def setUp(self):
        self.driver = browser(1280)

    def tearDown(self):
        # Script errors, and resources that failed for the server's fault or were not found; a 401,
        # 403 or 409 a test provokes is its own to check.
        errors = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"
                  and (e["source"] != "network" or "status of 5" in e["message"] or "status of 404" in e["message"])]
        self.driver.quit()
        self.assertEqual(errors, [], "no script or resource errors on any page")

    def sign_in(self, key=None):
        self.driver.get(SHOP.origin + "/dashboard/login")
        self.driver.find_element(By.NAME, "key").send_keys(key or SHOP.admin)
        self.click(self.driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"), navigates=True)

    def click(self, element, navigates=False):
        """Clicks once the element is in view and clickable (a sticky heading or a layout still
        settling must not swallow the click); when the click posts a form, waits for the page it
        leads to, so that nothing is read from the page being left."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        WebDriverWait(self.driver, 10).until(expected_conditions.element_to_be_clickable(element))
        # The page being left is marked on its window object, and the wait is for a loaded
        # document without the mark. Waiting for the old <html> to go stale is not enough:
        # mid-navigation Chrome may answer "Node with given id does not belong to the
        # document" instead of "stale element", so errors while the page changes are retried.
        self.driver.execute_script("window.kindredLeaving = true")
        element.click()
        if navigates:
            WebDriverWait(self.driver, 15, ignored_exceptions=(WebDriverException,)).until(
                lambda d: d.execute_script(
                    "return window.kindredLeaving === undefined && document.readyState === 'complete'"))

    def shoot(self, name):
        if ARGS.artifacts:
            os.makedirs(ARGS.artifacts, exist_ok=True)
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            width = self.driver.execute_script("return window.innerWidth")
            self.driver.set_window_size(self.driver.get_window_size()["width"], min(height + 140, 6000))
            self.driver.save_screenshot(os.path.join(ARGS.artifacts, f"{name}-{width}.png"))

    def check_panels(self, path):
        """Every panel's marks, figures and cells against its own SQL; returns how many values."""
        checked = 0
        panels = self.driver.find_elements(By.CSS_SELECTOR, "section.panel[data-panel]")
        self.assertTrue(panels, f"{path} has panels")
        for panel in panels:
            name = f"{path}#{panel.get_attribute('id')}"
            sql = panel.find_element(By.CSS_SELECTOR, "details.sql code").get_attribute("textContent")
            columns, rows = SHOP.query(sql)
            for mark in panel.find_elements(By.CSS_SELECTOR, "svg.chart .mark"):
                row = int(mark.get_attribute("data-row"))
                column = columns.index(mark.get_attribute("data-column"))
                self.assertTrue(same(rows[row][column], mark.get_attribute("data-value")),
                                f"{name}: mark {mark.get_attribute('data-column')} of row {row} shows "
                                f"{mark.get_attribute('data-value')}, the SQL gives {rows[row][column]}")
                for bound in ("low", "high"):
                    if mark.get_attribute(f"data-{bound}-column"):
                        value = rows[row][columns.index(mark.get_attribute(f"data-{bound}-column"))]
                        self.assertTrue(same(value, mark.get_attribute(f"data-{bound}")), f"{name}: the interval's {bound}")
                checked += 1
            for figure in panel.find_elements(By.CSS_SELECTOR, ".tiles .figure"):
                column = columns.index(figure.get_attribute("data-column"))
                self.assertTrue(same(rows[0][column], figure.get_attribute("data-value")), f"{name}: figure {columns[column]}")
                self.assertTrue(same(rows[1][column], figure.get_attribute("data-previous")), f"{name}: previous {columns[column]}")
                checked += 2
            tables = panel.find_elements(By.CSS_SELECTOR, "table[data-table]")
            if tables:
                drawn = [[cell.get_attribute("data-value") for cell in row.find_elements(By.CSS_SELECTOR, "td")]
                         for row in tables[0].find_elements(By.CSS_SELECTOR, "tbody tr")]
                self.assertEqual(len(drawn), len(rows), f"{name}: rows")
                for stored_row, drawn_row in zip(rows, drawn):
                    self.assertEqual(len(drawn_row), len(stored_row), f"{name}: columns")
                    for stored, shown in zip(stored_row, drawn_row):
                        self.assertTrue(same(stored, shown), f"{name}: cell shows {shown!r}, the SQL gives {stored!r}")
                        checked += 1
            # Every chart says in words what it shows.
            for chart in panel.find_elements(By.CSS_SELECTOR, "svg.chart"):
                self.assertTrue(chart.find_element(By.CSS_SELECTOR, "desc").get_attribute("textContent").strip(), f"{name}: text alternative")
                self.assertEqual(chart.get_attribute("role"), "img")
        return checked

    def test_every_page_at_both_widths_agrees_with_its_sql(self):
        self.sign_in()
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "h1").text, "Overview")
        total = 0
        for width in (1280, 390):
            self.driver.set_window_size(width, 900)
            for path in PAGES:
                self.driver.get(SHOP.origin + path)
                self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR, ".problem[role=alert]"), f"{path}: an error on the page")
                self.assertNotIn("<against>", self.driver.page_source.replace("&lt;against&gt;", ""), "names are escaped")
                if width == 1280:
                    total += self.check_panels(path)
                # Nothing is wider than a phone's screen but the tables, which scroll in their frame.
                overflow = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
                self.assertLessEqual(overflow, 0, f"{path} at {width} px scrolls sideways")
                self.shoot(path.strip("/").split("?")[0].replace("/", "-"))
        self.assertGreater(total, 300, "values checked against SQL")
        # A panel's CSV is its SQL's rows, fetched with the session the browser holds.
        self.driver.get(SHOP.origin + "/dashboard")
        cookie = self.driver.get_cookie("kindred_dashboard")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        request = urllib.request.Request(SHOP.origin + "/dashboard/csv/overview/events?days=14",
                                         headers={"Cookie": f"kindred_dashboard={cookie['value']}"})
        with urllib.request.urlopen(request) as response:
            lines = response.read().decode().strip().split("\r\n")
        sql = self.driver.find_element(By.CSS_SELECTOR, "section#events details.sql code").get_attribute("textContent")
        columns, rows = SHOP.query(sql)
        self.assertEqual(lines[0].split(","), columns)
        self.assertEqual([line.split(",") for line in lines[1:]], [[str(v) for v in row] for row in rows])

    def test_sorting_a_table_and_opening_show_sql(self):
        self.sign_in()
        self.driver.get(SHOP.origin + "/dashboard/recommendations")
        panel = self.driver.find_element(By.ID, "position")
        self.click(panel.find_element(By.CSS_SELECTOR, "details.numbers summary"))
        heading = panel.find_elements(By.CSS_SELECTOR, "table.sortable th")[3]
        self.assertEqual(heading.text, "ctr")
        self.click(heading)
        values = [float(td.get_attribute("data-value")) for td in panel.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(4)")]
        self.assertEqual(values, sorted(values))
        self.click(heading)
        values = [float(td.get_attribute("data-value")) for td in panel.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(4)")]
        self.assertEqual(values, sorted(values, reverse=True))
        self.click(panel.find_element(By.CSS_SELECTOR, "details.sql summary"))
        self.assertIn("FROM kpi_rollups", panel.find_element(By.CSS_SELECTOR, "details.sql code").text)

    def test_an_experiment_started_and_stopped_with_the_buttons(self):
        self.sign_in()
        self.driver.get(SHOP.origin + "/dashboard/experiments")
        self.click(self.driver.find_element(By.LINK_TEXT, "home-layout"), navigates=True)
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, "#design .status").text, "draft")
        self.click(self.driver.find_element(By.CSS_SELECTOR, "button[value=start]"), navigates=True)
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, "p.message").text, "The experiment started.")
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, "#design .status").text, "running")
        self.assertEqual(SHOP.query("SELECT status FROM experiments WHERE key = 'home-layout'")[1], [("running",)])
        self.shoot("experiment-started")
        self.click(self.driver.find_element(By.CSS_SELECTOR, "button[value=stop]"), navigates=True)
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, "#design .status").text, "stopped")
        self.assertEqual(SHOP.query("SELECT status FROM experiments WHERE key = 'home-layout'")[1], [("stopped",)])
        actors = SHOP.query("SELECT actor FROM audit_log WHERE action IN ('experiment_start', 'experiment_stop') ORDER BY audit_pk DESC LIMIT 2")[1]
        self.assertTrue(all(actor.startswith("dashboard:") for (actor,) in actors), actors)
        # Reloading the page after the stop does not post again.
        self.driver.refresh()
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, "#design .status").text, "stopped")

    def test_a_public_key_or_none_sees_nothing(self):
        self.sign_in(SHOP.public)
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "h1").text, "Sign in")
        self.assertIn("admin key", self.driver.find_element(By.CSS_SELECTOR, ".problem").text)
        self.assertIsNone(self.driver.get_cookie("kindred_dashboard"))
        for path in PAGES + ["/dashboard/csv/overview/events"]:
            self.driver.get(SHOP.origin + path)
            self.assertTrue(self.driver.current_url.startswith(SHOP.origin + "/dashboard/login"), path)
            self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR, "details.sql"), path)
            self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR, "section.panel[data-panel]"), path)
        # A form posted without the session's token changes nothing.
        data = urllib.parse.urlencode({"csrf": "0" * 64}).encode()
        try:
            urllib.request.urlopen(urllib.request.Request(SHOP.origin + "/dashboard/experiments/recs-popularity/stop", data=data))
            self.fail("a post without a session was accepted")
        except urllib.error.HTTPError as error:
            self.assertEqual(error.code, 401)
        self.assertEqual(SHOP.query("SELECT status FROM experiments WHERE key = 'recs-popularity'")[1], [("running",)])


if __name__ == "__main__":
    run_tests(sys.modules[__name__], Shop, "dashboard")
