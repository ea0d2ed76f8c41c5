"""The dashboard's jobs list and job actions against the API: paging past the newest 25
(older and newer pages), the status and submission-time filters (the rows are the API's
for the same query), the search by an 8-character id prefix, and the buttons by the
key's scope (a read key sees no cancel or retry; a write key cancels a queued job and
retries a failed one, and the API says so). Jobs are held queued by a frozen
validator, and cancelled afterwards."""
import pytest
from dashboard_support import api, failed_job, frozen, job_rows, make_key, open_dashboard, open_job, submit, texts
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

HELD = 26


@pytest.fixture(scope="module")
def failed(cluster):
    return failed_job(cluster)[0]


@pytest.fixture(scope="module")
def held(cluster, failed):
    """HELD jobs kept queued (the validator frozen) for the module; cancelled at its end."""
    with frozen(cluster, "validator"):
        jobs = [submit(cluster) for _ in range(HELD)]
        yield jobs
        for job in jobs:
            api(cluster, f"/api/v1/jobs/{job}/cancel", "POST")


def api_page(cluster, query):
    status, answer = api(cluster, f"/api/v1/jobs?limit=25{query}")
    assert status == 200, answer
    return answer


def test_paging_shows_the_26th_job(cluster, browser, held):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    first = api_page(cluster, "")
    newest = [job["job_id"] for job in first["jobs"]]
    wait.until(lambda driver: job_rows(driver) == newest)
    assert browser.find_element(By.ID, "newer-page").get_attribute("disabled")

    browser.find_element(By.ID, "older-page").click()
    second = [job["job_id"] for job in api_page(cluster, f"&cursor={first['next_cursor']}")["jobs"]]
    wait.until(lambda driver: job_rows(driver) == second)
    twenty_sixth = api_page(cluster, "&limit=26")["jobs"][25]["job_id"]
    assert job_rows(browser)[0] == twenty_sixth
    assert "page 2" in browser.find_element(By.ID, "jobs-count").text

    browser.find_element(By.ID, "newer-page").click()
    wait.until(lambda driver: job_rows(driver) == newest)


def test_status_and_time_filters_show_what_the_api_lists(cluster, browser, held, failed):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    browser.find_element(By.ID, "status-failed").click()
    failed_jobs = [job["job_id"] for job in api_page(cluster, "&status=failed")["jobs"]]
    assert failed in failed_jobs
    wait.until(lambda driver: job_rows(driver) == failed_jobs)
    assert set(texts(browser, "#jobs td.status")) == {"failed"}
    assert browser.find_element(By.ID, "jobs-count").get_attribute("data-count") == str(len(failed_jobs))

    browser.find_element(By.ID, "status-queued").click()
    wait.until(lambda driver: job_rows(driver) == [job["job_id"] for job in api_page(cluster, "&status=queued,failed")["jobs"]])

    browser.find_element(By.ID, "clear-filters").click()
    # Until a second after the first completed job was submitted: it alone (the next job came much later).
    first_completed = api_page(cluster, "&status=completed")["jobs"][-1]
    # The field takes local time to the second; the page sends it as ISO 8601, which the API gets here too.
    iso = browser.execute_script("""
        const time = new Date(Date.parse(arguments[0]) + 1000);
        time.setMilliseconds(0);
        const pad = (number) => String(number).padStart(2, "0");
        const input = document.getElementById("until-input");
        input.value = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        return time.toISOString();""", first_completed["submitted_at"])
    earlier = [job["job_id"] for job in api_page(cluster, f"&until={iso}")["jobs"]]
    assert first_completed["job_id"] in earlier and failed not in earlier
    wait.until(lambda driver: job_rows(driver) == earlier)


def test_an_id_prefix_search_opens_that_job(cluster, browser, failed):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    open_job(browser, wait, failed[:8])
    assert browser.find_element(By.ID, "job-id").text == failed
    assert browser.find_element(By.ID, "job-status").text == "failed"
    browser.find_element(By.ID, "search-input").clear()
    browser.find_element(By.ID, "search-input").send_keys("ffffffff")
    browser.find_element(By.ID, "search-button").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "search-error"), "no job ffffffff"))


def test_a_read_key_sees_no_cancel_or_retry(cluster, browser, held, failed):
    wait = open_dashboard(browser, cluster, make_key(cluster, "reader", "--read-only"))
    assert browser.find_element(By.ID, "key-scope").get_attribute("data-scope") == "read"
    for job, status in [(held[0], "queued"), (failed, "failed")]:
        open_job(browser, wait, job)
        assert browser.find_element(By.ID, "job-status").text == status
        assert not browser.find_elements(By.CSS_SELECTOR, "#job-actions button")


def test_a_write_key_cancels_a_queued_job(cluster, browser, held):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    open_job(browser, wait, held[0])
    assert not browser.find_elements(By.ID, "retry-job")
    browser.find_element(By.ID, "cancel-job").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "job-status"), "cancelled"))
    assert api(cluster, f"/api/v1/jobs/{held[0]}")[1]["status"] == "cancelled"
    assert not browser.find_elements(By.CSS_SELECTOR, "#job-actions button")


def test_a_write_key_retries_a_failed_job(cluster, browser, held, failed):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    open_job(browser, wait, failed)
    assert not browser.find_elements(By.ID, "cancel-job")
    browser.find_element(By.ID, "retry-job").click()
    # The validator is frozen: the retried attempt waits in its queue.
    wait.until(EC.text_to_be_present_in_element((By.ID, "job-status"), "queued"))
    assert api(cluster, f"/api/v1/jobs/{failed}")[1]["status"] == "queued"
