"""The what-if app in a real browser: Debian's chromium driven by Playwright for Python.

Starts `streamlit run planner_app/app.py` on a free 127.0.0.1 port, visits every page,
cuts staffing on Simulate and checks the service-level card changes, downloads the log,
and checks no page shows an exception. Screenshots and the measured rerun time go to
tests/artifacts/ (git-ignored). Skipped only when /usr/bin/chromium is missing (dev.sh
installs it when run as root); never `playwright install`, which cannot download here.
"""

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (./dev.sh test does it as root)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = ["Scenario", "Staffing", "Simulate", "Compare", "Outsourcing", "KPI interactions",
         "Score a real log"]
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = open(ARTIFACTS / "streamlit-server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "planner_app" / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start; see {ARTIFACTS / 'streamlit-server.log'}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def page(server):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 2000},
                                      accept_downloads=True)
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        tab.goto(server)
        tab.get_by_role("heading", name="Scenario", exact=True).first.wait_for()
        settled(tab)
        yield tab
        browser.close()


def settled(page) -> None:
    """Wait until the script run the last action started has finished."""
    page.wait_for_timeout(150)  # let the rerun begin
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()


def no_exception(page, where: str) -> None:
    assert page.get_by_test_id("stException").count() == 0, f"exception shown on {where}"
    assert "Traceback" not in page.inner_text("body"), f"traceback shown on {where}"


def card_value(page, label: str):
    card = page.get_by_test_id("stMetric").filter(has_text=label).first
    return card.get_by_test_id("stMetricValue")


def open_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).first.wait_for()
    settled(page)


def test_every_page_loads_without_an_exception(page):
    for title in PAGES:
        open_page(page, title)
        if title == "Score a real log":
            page.get_by_text("Use the shipped example (examples/acd_contacts.csv)").click()
            settled(page)
            card_value(page, "Service level").wait_for()
        if title in ("Simulate", "Compare", "Staffing", "Score a real log"):
            page.get_by_test_id("stVegaLiteChart").first.wait_for()
        no_exception(page, title)
        page.screenshot(path=ARTIFACTS / f"page-{title.lower().replace(' ', '-')}.png",
                        full_page=True)


def test_cutting_staffing_on_simulate_lowers_the_service_level_card(page):
    open_page(page, "Simulate")
    sl = card_value(page, "Service level")
    sl.wait_for()
    before = sl.inner_text()
    field = page.get_by_role("spinbutton", name="In-house staffing (% of plan)")
    field.fill("80")
    started = time.perf_counter()
    field.press("Enter")
    sync_api.expect(sl).not_to_have_text(before)
    cards_s = time.perf_counter() - started
    settled(page)
    rerun_s = time.perf_counter() - started
    after = sl.inner_text()
    assert float(after.split()[0]) < float(before.split()[0])
    delta = page.get_by_test_id("stMetric").filter(has_text="Service level").first.get_by_test_id(
        "stMetricDelta")
    assert delta.inner_text().strip().startswith("-")
    no_exception(page, "Simulate after the cut")
    page.screenshot(path=ARTIFACTS / "simulate-80-percent.png", full_page=True)
    (ARTIFACTS / "browser-timings.txt").write_text(
        f"what-if rerun of the default scenario (staffing 100 % -> 80 %): KPI cards changed "
        f"{cards_s:.2f} s after Enter, page complete (charts, downloads) {rerun_s:.2f} s "
        f"(service level {before} -> {after})\n")
    print(f"what-if rerun: cards {cards_s:.2f} s, page complete {rerun_s:.2f} s")


def test_the_contact_log_downloads_as_csv(page):
    open_page(page, "Simulate")
    with page.expect_download() as download:
        page.get_by_role("button", name="Contact log (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) > 1000 and {"contact_id", "outcome", "answer_s"} <= set(rows[0])
    no_exception(page, "Simulate after the download")
