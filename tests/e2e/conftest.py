"""Real headless Chromium (Debian's `chromium`, installed by `scripts/setup.sh --test`) driven by Playwright,
against a real `cos serve` on 127.0.0.1. Screenshots go to test-artifacts/screenshots/ (kept by CI).

Chromium is found at $COS_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH. Without it these tests
fail, naming the fix: a browser test that skips itself is a test that never runs.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from chief_of_staff.models.transformers_chat import TransformersChatModel
from tests.unit.server.conftest import serving

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
def served(tiny_settings, monkeypatch):
    """`cos serve` on the tiny model, paced at about 50 tokens a second like a real small model on a laptop: the
    tiny one writes its 40 tokens in a few milliseconds, and they would reach the browser in one network read."""
    stream = TransformersChatModel._stream

    def paced(self, *args, **kwargs):
        for chunk in stream(self, *args, **kwargs):
            time.sleep(0.02)
            yield chunk

    monkeypatch.setattr(TransformersChatModel, "_stream", paced)
    with serving(tiny_settings.model_copy(update={"max_new_tokens": 40})) as running:
        yield running


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
