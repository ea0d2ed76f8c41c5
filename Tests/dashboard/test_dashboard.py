"""The dashboard (README, "Dashboard") in a real headless Chromium: the page and its files
load without a key while the data API refuses requests without one; in the page, a wrong
key is refused, the right one lets it in, a generated job submitted from the page is
followed over its events stream until the page shows it completed, with a timeline of
the four stages, the RDD vs DataFrame comparison and a throughput point. The last
screenshot is kept in .sluice/test-output/dashboard.png, also when the test fails."""
import json
import re
import urllib.error
import urllib.request
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sluice_cluster import REPO

STAGES = ["validate", "normalize", "spark", "analyze"]
RECORDS = 300
SCREENSHOT = REPO / ".sluice" / "test-output" / "dashboard.png"
# Page steps take well under a second; a job through Spark local[1], some seconds.
STEP_TIMEOUT = 30
JOB_TIMEOUT = 120


def request(url, method="GET", key=None, body=None):
    """(status, headers, body text) of one request; error statuses are answers, not exceptions."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers, data=body), timeout=STEP_TIMEOUT) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_the_page_needs_no_key_and_the_data_api_still_does(cluster):
    for path, content_type in [("/", "text/html"), ("/dashboard.js", "text/javascript"), ("/dashboard.css", "text/css")]:
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


def test_a_job_submitted_in_the_page_is_followed_until_completed(cluster, browser):
    wait = WebDriverWait(browser, STEP_TIMEOUT)
    try:
        browser.get(cluster.url + "/")
        key_input = wait.until(EC.visibility_of_element_located((By.ID, "key-input")))
        key_input.send_keys("sluice_" + "0" * 48)
        browser.find_element(By.ID, "key-button").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "key-error"), "unknown or revoked"))

        browser.find_element(By.ID, "key-input").send_keys(cluster.api_key)
        browser.find_element(By.ID, "key-button").click()
        wait.until(EC.visibility_of_element_located((By.ID, "submit-form")))
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
        assert browser.find_elements(By.CSS_SELECTOR, f"{row} td")[3].text == str(RECORDS)

        attempts = browser.find_elements(By.CSS_SELECTOR, "#timeline g[data-stage]")
        assert [attempt.get_attribute("data-stage") for attempt in attempts] == STAGES
        assert {attempt.get_attribute("data-outcome") for attempt in attempts} == {"succeeded"}
        assert all(len(attempt.find_elements(By.CSS_SELECTOR, "rect")) == 2 for attempt in attempts)

        wait.until(EC.presence_of_element_located((By.ID, "verdict")))
        pipelines = {bar.get_attribute("data-pipeline") for bar in browser.find_elements(By.CSS_SELECTOR, "#comparison g[data-pipeline]")}
        assert pipelines == {"dataframe", "rdd"}
        verdict = browser.find_element(By.ID, "verdict").text
        assert re.fullmatch(r"((RDD|DataFrame) \d+\.\d× faster|both about as fast); results agree", verdict), verdict
        assert browser.find_elements(By.CSS_SELECTOR, f'#throughput circle[data-job-id="{job}"]')

        status, _, body = request(f"{cluster.url}/api/v1/jobs/{job}", key=cluster.api_key)
        assert status == 200 and json.loads(body)["status"] == "completed"
        # Nothing the content security policy blocked, no script error; the wrong key's 401 is expected.
        errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE" and "status of 401" not in entry["message"]]
        assert not errors, errors
    finally:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        # The whole page: the window as tall as the page plus the window's own frame.
        height = browser.execute_script("return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight")
        browser.set_window_size(browser.get_window_size()["width"], height)
        browser.save_screenshot(str(SCREENSHOT))
