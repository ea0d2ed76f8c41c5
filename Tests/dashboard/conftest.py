"""The dashboard suite's deployment (Tests/support/sluice_cluster.py), one for all its
files, and a headless Chromium driven through Debian's chromedriver."""
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService

from sluice_cluster import SERVICES, running_cluster

WINDOW = (1400, 1000)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    # A message redelivered once (its worker died holding it) fails its job and is
    # dead-lettered: how the suite makes a dead letter (dashboard_support.dead_lettered_job).
    settings = {"SLUICE_MAX_ATTEMPTS_WORKER_LOST": "1"}
    with running_cluster(tmp_path_factory.mktemp("dashboard"), "dashboard", SERVICES, settings) as cluster:
        yield cluster


@pytest.fixture
def browser():
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and chromedriver, "the dashboard test needs Debian's chromium and chromium-driver (infra/install.sh)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    # The console, which the test reads for errors (a blocked load or script error shows there).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # --no-sandbox: Chromium refuses to run as root otherwise (CI runs as root).
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WINDOW[0]},{WINDOW[1]}"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=ChromeService(executable_path=chromedriver))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
