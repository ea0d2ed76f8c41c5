"""The dashboard (README, "Dashboard") in a real headless Chromium: the page and its files
load without a key while the data API refuses requests without one; only the key panel
shows until a valid key is entered; a generated job submitted from the page is followed
over its events stream until the page shows it completed, with a timeline of the four
stages, its input (source, records, the stored input's download), configuration and
trace id as the API tells them, its results by category and the RDD vs DataFrame
comparison. The page is kept as .sluice/test-output/dashboard-follow.png, also when the
test fails."""
import json
import re
import uuid

from dashboard_support import JOB_TIMEOUT, STEP_TIMEOUT, api, open_dashboard, page_errors, request, save_screenshot, texts
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

STAGES = ["validate", "normalize", "spark", "analyze"]
RECORDS = 300
MODULES = ["dashboard", "dashboard-core", "dashboard-events", "dashboard-jobs", "dashboard-job", "dashboard-charts", "dashboard-operations"]


def test_the_page_needs_no_key_and_the_data_api_still_does(cluster):
    files = [("/", "text/html"), ("/dashboard.css", "text/css")] + [(f"/{name}.js", "text/javascript") for name in MODULES]
    for path, content_type in files:
        status, headers, body = request(cluster.url + path)
        assert status == 200 and headers["Content-Type"].startswith(content_type), (path, status)
        assert "default-src 'none'" in headers["Content-Security-Policy"] and "connect-src 'self'" in headers["Content-Security-Policy"]
    assert 'src="/dashboard.js"' in request(cluster.url + "/")[2]

    job = str(uuid.uuid4())
    refused = [("GET", "/api/v1/jobs"), ("GET", f"/api/v1/jobs/{job}"), ("GET", f"/api/v1/jobs/{job}/results"),
               ("GET", f"/api/v1/jobs/{job}/events"), ("POST", "/api/v1/jobs"), ("POST", "/process")]
    for method, path in refused:
        status, headers, body = request(cluster.url + path, method, body=b'{"data": [{"id": 1, "value": 1, "category": "A"}]}' if method == "POST" else None)
        assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized", (method, path, status, body)
    assert request(cluster.url + "/api/v1/jobs", key=cluster.api_key)[0] == 200


def visible_cards(browser):
    return [section.get_attribute("id") for section in browser.find_elements(By.CSS_SELECTOR, "section") if section.is_displayed()]


def test_only_the_key_panel_shows_until_a_valid_key_is_entered(cluster, browser):
    wait = WebDriverWait(browser, STEP_TIMEOUT)
    browser.get(cluster.url + "/")
    key_input = wait.until(EC.visibility_of_element_located((By.ID, "key-input")))
    assert visible_cards(browser) == ["key-panel"]
    key_input.send_keys("sluice_" + "0" * 48)
    browser.find_element(By.ID, "key-button").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "key-error"), "unknown or revoked"))
    assert visible_cards(browser) == ["key-panel"]
    assert not browser.find_element(By.ID, "forget-key").is_displayed()

    browser.find_element(By.ID, "key-input").send_keys(cluster.api_key)
    browser.find_element(By.ID, "key-button").click()
    wait.until(EC.visibility_of_element_located((By.ID, "jobs-card")))
    assert "key-panel" not in visible_cards(browser)
    assert browser.find_element(By.ID, "key-scope").get_attribute("data-scope") == "write"


def check_job_facts(browser, wait, cluster, job):
    """The input, configuration and trace id the panel shows are the API's."""
    _, detail = api(cluster, f"/api/v1/jobs/{job}")
    assert browser.find_element(By.ID, "job-input").text == f"{detail['source']}, {detail['record_count']} records"
    assert browser.find_element(By.ID, "job-trace").text == detail["trace_id"]
    assert json.loads(browser.find_element(By.ID, "job-config").text) == detail["config"]
    browser.find_element(By.ID, "input-link").click()
    bytes_shown = wait.until(lambda driver: driver.find_element(By.ID, "input-link").get_attribute("data-bytes"))
    status, _, stored = request(f"{cluster.url}/api/v1/jobs/{job}/input", key=cluster.api_key)
    assert status == 200 and int(bytes_shown) == len(stored.encode())


def check_results(browser, cluster, job):
    """The categories table and the records line are the summary's."""
    _, summary = api(cluster, f"/api/v1/jobs/{job}/results")
    shown = {row.get_attribute("data-category"): [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")]
             for row in browser.find_elements(By.CSS_SELECTOR, "#categories tbody tr")}
    assert set(shown) == {category["category"] for category in summary["categories"]}
    for category in summary["categories"]:
        assert shown[category["category"]][1] == str(category["count"])
    assert browser.find_element(By.ID, "records-line").text.startswith(f"{summary['records']['received']} received: {summary['records']['valid']} valid")


def test_a_job_submitted_in_the_page_is_followed_until_completed(cluster, browser):
    try:
        wait = open_dashboard(browser, cluster, cluster.api_key)
        browser.find_element(By.ID, "sample-size").clear()
        browser.find_element(By.ID, "sample-size").send_keys(str(RECORDS))
        browser.find_element(By.ID, "sample-button").click()
        browser.find_element(By.ID, "submit-button").click()
        job = wait.until(lambda driver: driver.find_element(By.ID, "submit-result").get_attribute("data-job-id"))

        row = f'#jobs tr[data-job-id="{job}"]'
        WebDriverWait(browser, JOB_TIMEOUT).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, f"{row} td.status"), "completed"))
        # "ended" is set by the stream's `end` event alone: the page followed the job live.
        wait.until(EC.text_to_be_present_in_element_attribute((By.ID, "live"), "data-state", "ended"))
        assert browser.find_element(By.ID, "job-status").text == "completed"
        assert texts(browser, f"{row} td")[3] == str(RECORDS)

        attempts = browser.find_elements(By.CSS_SELECTOR, "#timeline g[data-stage]")
        assert [attempt.get_attribute("data-stage") for attempt in attempts] == STAGES
        assert {attempt.get_attribute("data-outcome") for attempt in attempts} == {"succeeded"}
        assert all(len(attempt.find_elements(By.CSS_SELECTOR, "rect")) == 2 for attempt in attempts)

        wait.until(EC.presence_of_element_located((By.ID, "verdict")))
        pipelines = {bar.get_attribute("data-pipeline") for bar in browser.find_elements(By.CSS_SELECTOR, "#comparison g[data-pipeline]")}
        assert pipelines == {"dataframe", "rdd"}
        verdict = browser.find_element(By.ID, "verdict").text
        assert re.fullmatch(r"((RDD|DataFrame) \d+\.\d× faster|both about as fast); results agree", verdict), verdict
        check_results(browser, cluster, job)
        check_job_facts(browser, wait, cluster, job)
        # A write key: a completed job can be neither cancelled nor retried.
        assert not browser.find_elements(By.CSS_SELECTOR, "#job-actions button")

        status, answer = api(cluster, f"/api/v1/jobs/{job}")
        assert status == 200 and answer["status"] == "completed"
        assert not page_errors(browser)
    finally:
        save_screenshot(browser, "dashboard-follow.png")
