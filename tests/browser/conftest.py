"""A real headless Chromium (Debian's `chromium` with its `chromedriver`) for the web
view's pages. CI installs both and sets COACH_REQUIRE_BROWSER=1, where a missing browser
fails the run instead of skipping its tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("COACH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("COACH_CHROMEDRIVER", "/usr/bin/chromedriver")
# Where each page's screenshot is kept, for a person to look at after a run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = (412, 915)


@pytest.fixture(scope="session")
def browser_paths() -> tuple[str, str]:
    found = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if found:
        message = f"no {', '.join(found)}: install Debian's chromium and chromium-driver"
        if os.environ.get("COACH_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture
def browser(browser_paths: tuple[str, str]) -> Iterator[webdriver.Chrome]:
    """A phone-sized headless Chromium with nothing of an earlier test in it."""
    chromium, chromedriver = browser_paths
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def keep_screenshot(driver: webdriver.Chrome, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.get_screenshot_as_file(str(path))
    return path
