"""Browser tests: Debian's chromium (/usr/bin/chromium, installed by .ci/setup --test) driven by
Playwright's sync API. Playwright never downloads a browser here. A failed test leaves a
screenshot in tests/artifacts/browser/ (or $DESKBOT_TEST_ARTIFACTS) and names it in its report.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from harness.demo_stub import DemoStub

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).parent
ARTIFACTS = Path(os.environ.get("DESKBOT_TEST_ARTIFACTS", HERE.parent / "artifacts")) / "browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# Long enough for the service's sweeps (1-5 s) on a busy 2-core machine; a wait ends when its condition holds.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


# Module scope, not session: Playwright's sync API keeps its own event loop running in this
# thread while it lives, and pytest-asyncio cannot run the async tests that xdist may give this
# worker next. pytest tears a module's fixtures down before it runs another module's test.
@pytest.fixture(scope="module")
def browser() -> Browser:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/setup --test` (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def viewport():
    return DESKTOP


@pytest.fixture
def page(browser: Browser, viewport) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # Script errors and CSP refusals land in the console: a test may assert there are none.
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """Where a test leaves the pictures a person should look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def stub():
    demo = DemoStub().start()
    yield demo
    demo.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when != "call" or page is None:
        return
    path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])[:120] + ".png")
    if not report.failed:
        path.unlink(missing_ok=True)  # an earlier failure's picture would mislead
        return
    if page.is_closed():
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # the page may have crashed: the test's own failure matters more
        report.sections.append(("screenshot", f"none: {error}"))
        return
    report.sections.append(("screenshot", str(path)))
    print(f"\nscreenshot of the failure: {path}")
