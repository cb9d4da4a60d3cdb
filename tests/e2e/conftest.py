"""Real headless Chromium (Debian's `chromium`, installed by `scripts/setup.sh --test`) driven by Playwright,
against a real `cos serve` on 127.0.0.1. Screenshots go to test-artifacts/screenshots/ (kept by CI).

Chromium is found at $COS_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH. Without it these tests
fail, naming the fix: a browser test that skips itself is a test that never runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.unit.server.conftest import paced_model, serving  # noqa: F401 - paced_model is a fixture

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# No sign-in, update or sync traffic: this machine's closed network would refuse it, many connections at a time.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def chromium_path() -> str:
    for candidate in (os.environ.get("COS_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("no Chromium: run `bash scripts/setup.sh --test` (installs Debian's chromium), or point "
                "COS_CHROMIUM at a Chromium or Chrome binary", pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


@pytest.fixture()
def served(tiny_settings, request):
    """`cos serve` on the tiny model, paced so that the browser sees the answer arrive in pieces."""
    request.getfixturevalue("paced_model")
    with serving(tiny_settings.model_copy(update={"max_new_tokens": 40})) as running:
        yield running


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
