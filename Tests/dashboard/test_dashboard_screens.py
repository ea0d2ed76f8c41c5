"""The dashboard's window charts and layout: one throughput bar and one latency window
per minute of the last hour (per hour of the last 24 with the range changed), each
window's records and latency p50 and p95 those of the completed jobs the API says
finished in it, y ticks ascending in equal 1-2-5 steps with none above the first at or
past the maximum; the page at 420 px wide has no horizontal overflow, no overlapping
cards and every button inside the viewport. Screenshots:
.sluice/test-output/dashboard.png (1200 px, the finished jobs listed) and
dashboard-narrow.png (420 px), copied to docs/ by hand once good."""
import datetime
import math

from dashboard_support import api, emulate_viewport, job_rows, open_dashboard, open_job, page_errors, save_screenshot
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

NARROW = 420
# The wide screenshot's window (a smaller file than the suite's 1400 px window).
WIDE = (1200, 1000)

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


# Each chart's bars, windows and y ticks, read at once (the page redraws them as it re-reads the jobs).
CHARTS = """
    const all = (selector, read) => [...document.querySelectorAll(selector)].map(read);
    const ticks = (chart) => all(`#${chart} text.y-tick`, (tick) => ({ value: Number(tick.dataset.value), y: Number(tick.getAttribute("y")), text: tick.textContent }));
    return {
      bars: all("#throughput rect.bar", (bar) => ({ start: bar.dataset.start, records: Number(bar.dataset.records), rate: Number(bar.dataset.rate) })),
      windows: all("#latency g.window", (window) => ({
        jobs: Number(window.dataset.jobs),
        p50: window.querySelector("circle.p50")?.dataset.value,
        p95: window.querySelector("circle.p95")?.dataset.value,
      })),
      p95: all("#latency circle.p95", (point) => Number(point.dataset.value)),
      throughputTicks: ticks("throughput"),
      latencyTicks: ticks("latency"),
      xTicks: all("#throughput text.x-tick", (tick) => tick.textContent),
    };"""


def rounded(value):
    return None if value is None else round(value, 6)


def check_ticks(ticks, maximum):
    """Ascending from 0 upwards on the page in equal 1-2-5 steps, the last the first tick at or above `maximum`."""
    values = [tick["value"] for tick in ticks]
    heights = [tick["y"] for tick in ticks]
    assert values[0] == 0 and values == sorted(set(values)), values
    assert heights == sorted(heights, reverse=True), heights
    assert values[-1] >= maximum and (maximum == 0 or values[-2] < maximum), (values, maximum)
    step = values[1] - values[0]
    assert round(step / 10 ** math.floor(math.log10(step)), 6) in (1, 2, 5), values
    assert all(math.isclose(b - a, step) for a, b in zip(values, values[1:])), values
    assert all(tick["text"] for tick in ticks)


def check_windows(browser, cluster, count, seconds):
    """One bar and one latency window per window; each bar's records, and each window's
    p50 and p95 (nearest rank), are those of the API's jobs finished in it."""
    charts = browser.execute_script(CHARTS)
    assert len(charts["bars"]) == len(charts["windows"]) == count
    jobs = completed_jobs(cluster)
    for bar, window in zip(charts["bars"], charts["windows"]):
        start = parse(bar["start"])
        finished = [job for job in jobs if start <= parse(job["finished_at"]) < start + datetime.timedelta(seconds=seconds)]
        assert bar["records"] == sum(job["record_count"] for job in finished), (bar, finished)
        assert window["jobs"] == len(finished), (window, finished)
        durations = sorted(job["duration_seconds"] for job in finished)
        expected = [durations[math.ceil(share * len(durations)) - 1] if durations else None for share in (0.5, 0.95)]
        shown = [float(value) if value is not None else None for value in (window["p50"], window["p95"])]
        assert [rounded(value) for value in shown] == [rounded(value) for value in expected], (shown, expected)
    check_ticks(charts["throughputTicks"], max(bar["rate"] for bar in charts["bars"]))
    check_ticks(charts["latencyTicks"], max(charts["p95"], default=0))
    assert charts["xTicks"]


def test_the_window_charts_show_the_api_jobs_per_window(cluster, browser):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    assert any(job["record_count"] for job in completed_jobs(cluster)), "the earlier tests completed jobs"
    wait.until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#throughput rect.bar")) == 60)
    check_windows(browser, cluster, 60, 60)

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
    browser.set_window_size(*WIDE)
    wait = open_dashboard(browser, cluster, cluster.api_key)
    try:
        # The finished jobs only: the held jobs' 26 cancelled rows would fill the list (and the screenshot).
        for status in ["completed", "failed"]:
            browser.find_element(By.ID, f"status-{status}").click()
        _, finished = api(cluster, "/api/v1/jobs?status=completed,failed&limit=25")
        wait.until(lambda driver: job_rows(driver) == [job["job_id"] for job in finished["jobs"]])
        open_newest(browser, wait, cluster, "completed")
        wait.until(EC.presence_of_element_located((By.ID, "verdict")))
        layout = browser.execute_script(LAYOUT)
        assert layout["scrollWidth"] <= layout["innerWidth"], layout
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
