"""The dashboard's operations views against the API: the workers view lists a live
replica of each of the four stages; the queues view lists the broker's queues (a
stage's retry tiers in its row) with each stage's queue among them; the dead-letter
view lists the letter of a job whose validator was lost holding its message, for every
key, with a replay button for admin keys only; the replay sends the job back to its
stage, where it completes, and the letter is gone."""
import pytest
from dashboard_support import JOB_TIMEOUT, STEP_TIMEOUT, api, dead_lettered_job, make_key, open_dashboard, table_rows, texts, wait_for_job
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

STAGES = ["validate", "normalize", "spark", "analyze"]
# The page re-reads its views every 10 s; a frozen worker needs a heartbeat to show alive again.
VIEW_TIMEOUT = 2 * STEP_TIMEOUT


def test_the_workers_view_lists_each_stage_alive(cluster, browser):
    open_dashboard(browser, cluster, cluster.api_key)

    def all_alive(driver):
        states = table_rows(driver, "workers", "data-state")
        return states and set(states) == {"alive"} and table_rows(driver, "workers", "data-stage") == STAGES

    WebDriverWait(browser, VIEW_TIMEOUT).until(all_alive)
    _, answer = api(cluster, "/api/v1/workers")
    assert table_rows(browser, "workers", "data-worker") == [worker["worker"] for worker in answer["workers"]]
    cells = texts(browser, "#workers tbody tr:first-child td")
    first = answer["workers"][0]
    assert cells[:2] == [first["stage"], first["worker"]] and first["host"] in cells[1] and cells[-1] == "alive"


def test_the_queues_view_lists_the_stage_queues(cluster, browser):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    _, answer = api(cluster, "/api/v1/queues")
    # A row per queue, but a stage's retry tiers in its stage queue's row.
    names = [queue["name"] for queue in answer["queues"] if queue["kind"] != "retry"]
    wait.until(lambda driver: table_rows(driver, "queues", "data-queue") == names)
    stage_queues = {queue["stage"] for queue in answer["queues"] if queue["kind"] == "stage"}
    assert stage_queues == set(STAGES)
    kinds = dict(zip(names, table_rows(browser, "queues", "data-kind")))
    assert all(kinds[queue["name"]] == queue["kind"] for queue in answer["queues"] if queue["kind"] != "retry")
    assert {queue["kind"] for queue in answer["queues"]} >= {"stage", "retry", "dead_letter"}


def listed_letters(cluster):
    _, answer = api(cluster, "/api/v1/dead-letters?limit=200")
    return [letter["job_id"] for letter in answer["dead_letters"]]


@pytest.fixture(scope="module")
def lettered(cluster):
    job = dead_lettered_job(cluster)
    assert job in listed_letters(cluster)
    return job


def wait_for_letter(browser, job):
    """The letter's row once the dead-letter view lists it (it is re-read every 10 s)."""
    row = f'#dead-letters tr[data-job-id="{job}"]'
    WebDriverWait(browser, VIEW_TIMEOUT).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, row))
    return row


def test_read_and_write_keys_see_the_dead_letters_but_no_replay(cluster, browser, lettered):
    for key in [make_key(cluster, "reader", "--read-only"), cluster.api_key]:
        open_dashboard(browser, cluster, key)
        wait_for_letter(browser, lettered)
        assert not browser.find_elements(By.ID, "replay-dead-letters")


def test_an_admin_key_replays_a_dead_letter(cluster, browser, lettered):
    wait = open_dashboard(browser, cluster, make_key(cluster, "operator", "--admin"))
    row = wait_for_letter(browser, lettered)
    cells = texts(browser, f"{row} td")
    assert cells[1:3] == ["validate", "worker_lost"] and cells[4] == "failed", cells

    browser.find_element(By.ID, "replay-dead-letters").click()
    wait.until(lambda driver: int(driver.find_element(By.ID, "replay-result").get_attribute("data-replayed") or 0) >= 1)
    wait_for_job(cluster, lettered, lambda answer: answer["status"] == "completed", "completed after the replay", JOB_TIMEOUT)
    assert lettered not in listed_letters(cluster)
    WebDriverWait(browser, VIEW_TIMEOUT).until(lambda driver: not driver.find_elements(By.CSS_SELECTOR, row))
