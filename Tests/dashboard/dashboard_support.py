"""What the dashboard tests share: calling the test deployment's API, making keys of each
scope with the `sluice keys create` CLI, jobs in a given state (failed by invalid data
in the validate stage, held queued by a frozen validator, failed for a lost worker and
dead-lettered), and opening the page with a key. Every wait is bounded."""
import contextlib
import json
import pathlib
import secrets
import subprocess
import time
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sluice_cluster import BIN, REPO

OUTPUT = REPO / ".sluice" / "test-output"
# Page steps take well under a second; a view is re-read every 10 s; a job through Spark local[1], some seconds.
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


def api(cluster, path, method="GET", body=None, key=None):
    """(status, JSON answer) of an API call with `key` (the deployment's write key by default)."""
    data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
    status, _, text = request(cluster.url + path, method, key or cluster.api_key, data)
    return status, (json.loads(text) if text else None)


def make_key(cluster, name, *flags):
    """A new key (`--read-only`, `--admin` or none: write) from `sluice keys create`."""
    return subprocess.run(
        [str(BIN / "sluice"), "keys", "create", f"{name}-{secrets.token_hex(3)}", *flags],
        env=cluster.env, check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()


def submit(cluster, records=3):
    """A job of `records` valid records, submitted through the API; its id."""
    data = [{"id": index + 1, "value": 10.0 + index, "category": "AB"[index % 2]} for index in range(records)]
    status, answer = api(cluster, "/api/v1/jobs", "POST", {"data": data})
    assert status == 202, answer
    return answer["job_id"]


def wait_for_job(cluster, job, condition, what, timeout=JOB_TIMEOUT):
    """The job (GET /api/v1/jobs/{id}) once `condition(job)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        status, answer = api(cluster, f"/api/v1/jobs/{job}")
        if status == 200 and condition(answer):
            return answer
        assert time.monotonic() < deadline, f"job {job} did not become {what} in {timeout} s: {answer}"
        time.sleep(0.2)


def inputs_folder(cluster):
    folder = pathlib.Path(cluster.env["SLUICE_ARTIFACT_DIR"]) / "inputs" / "default"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def failed_job(cluster):
    """A job the validate stage failed for invalid data (a non-numeric value in an
    input_uri file, which the gateway does not read): (job id, its input file)."""
    path = inputs_folder(cluster) / f"bad-{secrets.token_hex(4)}.csv"
    path.write_text("id,value,category\n1,x,a\n")
    status, answer = api(cluster, "/api/v1/jobs", "POST", {"input_uri": path.name})
    assert status == 202, answer
    wait_for_job(cluster, answer["job_id"], lambda job: job["status"] == "failed", "failed")
    return answer["job_id"], path


def wait_until_delivered(cluster, stage):
    """Waits until the stage's queue holds no ready message: the broker handed it to a consumer."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        _, answer = api(cluster, "/api/v1/queues")
        if all(queue["ready"] == 0 for queue in answer["queues"] if queue["kind"] == "stage" and queue["stage"] == stage):
            return
        assert time.monotonic() < deadline, f"the {stage} queue kept a ready message for {STEP_TIMEOUT} s: {answer}"
        time.sleep(0.2)


def dead_lettered_job(cluster):
    """A job whose message was dead-lettered: the frozen validator is handed its message
    and killed, so the broker delivers it again to the validator started anew, which
    (SLUICE_MAX_ATTEMPTS_WORKER_LOST=1, conftest) fails the job for a lost worker and
    dead-letters the message. Invalid data fails a job without a dead letter."""
    freeze(cluster, "validator")
    job = submit(cluster)
    wait_until_delivered(cluster, "validate")
    cluster.kill("validator")
    cluster.start("validator")
    wait_for_job(cluster, job, lambda answer: answer["status"] == "failed", "failed")
    return job


def freeze(cluster, service):
    """Stops `service` (SIGSTOP) and waits until the kernel says it is stopped."""
    cluster.services[service].freeze()
    status = pathlib.Path(f"/proc/{cluster.services[service].process.pid}/status")
    deadline = time.monotonic() + STEP_TIMEOUT
    while "State:\tT" not in status.read_text():
        assert time.monotonic() < deadline, f"{service} did not stop in {STEP_TIMEOUT} s"
        time.sleep(0.05)


@contextlib.contextmanager
def frozen(cluster, service):
    """`service` stopped (SIGSTOP) inside the block: jobs submitted meanwhile stay queued."""
    freeze(cluster, service)
    try:
        yield
    finally:
        cluster.services[service].thaw()


def open_dashboard(browser, cluster, key):
    """The page with `key` entered; returns once the dashboard shows its first jobs read."""
    wait = WebDriverWait(browser, STEP_TIMEOUT)
    browser.get(cluster.url + "/")
    # A key entered before in this tab is forgotten first.
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    wait.until(EC.visibility_of_element_located((By.ID, "key-input"))).send_keys(key)
    browser.find_element(By.ID, "key-button").click()
    wait.until(EC.visibility_of_element_located((By.ID, "dashboard")))
    wait.until(EC.text_to_be_present_in_element((By.ID, "notice"), "read at"))
    return wait


def table_rows(browser, table, attribute):
    """The `attribute` of each row of the table, read at once (the page re-renders its tables as it re-reads them)."""
    return browser.execute_script(
        "return [...document.querySelectorAll(`#${arguments[0]} tbody tr`)].map((row) => row.getAttribute(arguments[1]))", table, attribute)


def texts(browser, selector):
    """The text of each element `selector` finds, read at once."""
    return browser.execute_script("return [...document.querySelectorAll(arguments[0])].map((node) => node.textContent)", selector)


def job_rows(browser):
    return table_rows(browser, "jobs", "data-job-id")


def open_job(browser, wait, job):
    """Opens `job` through the id search; waits until the panel shows its status."""
    search = browser.find_element(By.ID, "search-input")
    search.clear()
    search.send_keys(job)
    browser.find_element(By.ID, "search-button").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "job-id"), job))
    wait.until(lambda driver: driver.find_element(By.ID, "job-status").text)


def page_errors(browser):
    """Console errors: what the content security policy blocked, script errors; a wrong key's 401 is expected."""
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE" and "status of 401" not in entry["message"]]


def emulate_viewport(browser, width, height):
    """A viewport of width × height CSS pixels (headless Chromium's windows are at least 500 px wide)."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def save_screenshot(browser, name, emulated_width=None):
    """The whole page as OUTPUT/name: the window (or the emulated viewport) as tall as the page."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    if emulated_width:
        emulate_viewport(browser, emulated_width, browser.execute_script("return document.documentElement.scrollHeight"))
    else:
        height = browser.execute_script("return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight")
        browser.set_window_size(browser.get_window_size()["width"], height)
    browser.save_screenshot(str(OUTPUT / name))
