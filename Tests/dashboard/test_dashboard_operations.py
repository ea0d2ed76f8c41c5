"""The dashboard's operations views against the API: the workers view lists a live
replica of each of the four stages, the queues view lists the broker's queues with each
stage's queue among them, and the dead-letter view lists the letter of a job that failed
for invalid data, which an admin key's replay sends back to its stage (its input fixed
meanwhile, the job then completes and the letter is gone)."""
from dashboard_support import JOB_TIMEOUT, STEP_TIMEOUT, api, failed_job, make_key, open_dashboard, wait_for_job
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

STAGES = ["validate", "normalize", "spark", "analyze"]
# The page re-reads its views every 10 s; a frozen worker needs a heartbeat to show alive again.
VIEW_TIMEOUT = 2 * STEP_TIMEOUT


def table_rows(browser, table, attribute):
    return [row.get_attribute(attribute) for row in browser.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")]


def test_the_workers_view_lists_each_stage_alive(cluster, browser):
    open_dashboard(browser, cluster, cluster.api_key)

    def all_alive(driver):
        states = table_rows(driver, "workers", "data-state")
        return states and set(states) == {"alive"} and table_rows(driver, "workers", "data-stage") == STAGES

    WebDriverWait(browser, VIEW_TIMEOUT).until(all_alive)
    _, answer = api(cluster, "/api/v1/workers")
    assert table_rows(browser, "workers", "data-worker") == [worker["worker"] for worker in answer["workers"]]
    cells = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#workers tbody tr:first-child td")]
    first = answer["workers"][0]
    assert cells[:2] == [first["stage"], first["worker"]] and first["host"] in cells[1] and cells[-1] == "alive"


def test_the_queues_view_lists_the_stage_queues(cluster, browser):
    wait = open_dashboard(browser, cluster, cluster.api_key)
    _, answer = api(cluster, "/api/v1/queues")
    names = [queue["name"] for queue in answer["queues"]]
    wait.until(lambda driver: table_rows(driver, "queues", "data-queue") == names)
    stage_queues = {queue["stage"] for queue in answer["queues"] if queue["kind"] == "stage"}
    assert stage_queues == set(STAGES)
    kinds = dict(zip(table_rows(browser, "queues", "data-queue"), table_rows(browser, "queues", "data-kind")))
    assert all(kinds[queue["name"]] == queue["kind"] for queue in answer["queues"])


def listed_letters(cluster):
    _, answer = api(cluster, "/api/v1/dead-letters?limit=500")
    return [letter["job_id"] for letter in answer["dead_letters"]]


def test_an_admin_key_replays_a_dead_letter(cluster, browser):
    job, path = failed_job(cluster)
    assert job in listed_letters(cluster)
    wait = open_dashboard(browser, cluster, make_key(cluster, "operator", "--admin"))
    row = f'#dead-letters tr[data-job-id="{job}"]'
    WebDriverWait(browser, VIEW_TIMEOUT).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, row))
    assert browser.find_elements(By.CSS_SELECTOR, f"{row} td")[2].text == "invalid_data"

    path.write_text("id,value,category\n1,2.5,a\n2,3.5,b\n")
    browser.find_element(By.ID, "replay-dead-letters").click()
    wait.until(lambda driver: int(driver.find_element(By.ID, "replay-result").get_attribute("data-replayed") or 0) >= 1)
    wait_for_job(cluster, job, lambda answer: answer["status"] == "completed", "completed after the replay", JOB_TIMEOUT)
    assert job not in listed_letters(cluster)
    WebDriverWait(browser, VIEW_TIMEOUT).until(lambda driver: not driver.find_elements(By.CSS_SELECTOR, row))
