"""The dashboard's window charts and layout: one throughput bar and one latency window
per minute of the last hour (per hour of the last 24 with the range changed), each bar's
records those of the completed jobs the API says finished in that window, y ticks
ascending in round steps with none above the first at or past the maximum; the page at
420 px wide has no horizontal overflow, no overlapping cards and every button inside the
viewport. Screenshots: .sluice/test-output/dashboard.png (wide) and dashboard-narrow.png
(420 px), copied to docs/ by hand once good."""
import datetime

from dashboard_support import api, emulate_viewport, open_dashboard, open_job, page_errors, save_screenshot
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

NARROW = 420

LAYOUT = """
    const shown = (node) => node.getClientRects().length > 0;
    const box = (node) => { const r = node.getBoundingClientRect(); return { id: node.id, left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
    return {
      innerWidth: window.innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      cards: [...document.querySelectorAll("section")].filter(shown).map(box),
      buttons: [...document.querySelectorAll("button")].filter(shown).map(box),
    };"""


def completed_jobs(cluster):
    _, answer = api(cluster, "/api/v1/jobs?status=completed&limit=500")
    return answer["jobs"]


def parse(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def check_ticks(browser, chart, maximum):
    ticks = browser.find_elements(By.CSS_SELECTOR, f"#{chart} text.y-tick")
    values = [float(tick.get_attribute("data-value")) for tick in ticks]
    heights = [float(tick.get_attribute("y")) for tick in ticks]
    assert values[0] == 0 and values == sorted(set(values)), values
    assert heights == sorted(heights, reverse=True), heights
    assert values[-1] >= maximum and (maximum == 0 or values[-2] < maximum), (values, maximum)
    assert all(tick.text for tick in ticks)


def check_windows(browser, cluster, count, seconds):
    """One bar and one latency window per window; each bar's records are the API's jobs finished in it."""
    bars = browser.find_elements(By.CSS_SELECTOR, "#throughput rect.bar")
    windows = browser.find_elements(By.CSS_SELECTOR, "#latency g.window")
    assert len(bars) == len(windows) == count
    jobs = completed_jobs(cluster)
    for bar, window in zip(bars, windows):
        start = parse(bar.get_attribute("data-start"))
        finished = [job for job in jobs if start <= parse(job["finished_at"]) < start + datetime.timedelta(seconds=seconds)]
        assert int(bar.get_attribute("data-records")) == sum(job["record_count"] for job in finished)
        assert int(window.get_attribute("data-jobs")) == len(finished)
        assert len(window.find_elements(By.CSS_SELECTOR, "circle")) == (2 if finished else 0)
    check_ticks(browser, "throughput", max(float(bar.get_attribute("data-rate")) for bar in bars))
    p95 = [float(point.get_attribute("data-value")) for point in browser.find_elements(By.CSS_SELECTOR, "#latency circle.p95")]
    check_ticks(browser, "latency", max(p95, default=0))


def test_the_window_charts_show_the_api_jobs_per_window(cluster, browser):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    assert any(job["record_count"] for job in completed_jobs(cluster)), "the earlier tests completed jobs"
    wait.until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#throughput rect.bar")) == 60)
    check_windows(browser, cluster, 60, 60)
    assert browser.find_elements(By.CSS_SELECTOR, "#throughput text.x-tick")

    Select(browser.find_element(By.ID, "chart-range")).select_by_value("day")
    wait.until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#throughput rect.bar")) == 24)
    check_windows(browser, cluster, 24, 3600)


def open_newest(browser, wait, cluster, status):
    _, answer = api(cluster, f"/api/v1/jobs?status={status}&limit=1")
    open_job(browser, wait, answer["jobs"][0]["job_id"])


def overlapping(cards):
    return [(a["id"], b["id"]) for index, a in enumerate(cards) for b in cards[index + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


def test_the_wide_page(cluster, browser):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    try:
        open_newest(browser, wait, cluster, "completed")
        wait.until(EC.presence_of_element_located((By.ID, "verdict")))
        layout = browser.execute_script(LAYOUT)
        assert not overlapping(layout["cards"]), layout["cards"]
        assert not page_errors(browser)
    finally:
        save_screenshot(browser, "dashboard.png")


def test_the_page_at_420_px(cluster, browser):
    emulate_viewport(browser, NARROW, 900)
    wait = open_dashboard(browser, cluster, cluster.api_key)
    try:
        open_newest(browser, wait, cluster, "failed")
        wait.until(EC.visibility_of_element_located((By.ID, "retry-job")))
        wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#workers tbody tr"))
        layout = browser.execute_script(LAYOUT)
        assert layout["innerWidth"] == NARROW
        assert layout["scrollWidth"] <= layout["innerWidth"], layout
        assert not overlapping(layout["cards"]), layout["cards"]
        clipped = [button for button in layout["buttons"] if button["left"] < 0 or button["right"] > layout["innerWidth"]]
        assert not clipped, clipped
        assert not page_errors(browser)
    finally:
        save_screenshot(browser, "dashboard-narrow.png", NARROW)
