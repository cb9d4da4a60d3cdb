"""A real `cos serve` (uvicorn on 127.0.0.1, port 0) in a background thread, on the tiny model."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn

from chief_of_staff.models.transformers_chat import TransformersChatModel
from chief_of_staff.server.app import server_config
from chief_of_staff.server.shared_session import SharedSession
from chief_of_staff.settings import Settings


@dataclass
class Served:
    url: str
    server: uvicorn.Server

    @property
    def shared(self) -> SharedSession:
        return self.server.config.app.state.shared


@contextmanager
def serving(settings: Settings) -> Iterator[Served]:
    config = server_config(settings, "127.0.0.1", 0)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="cos-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"http://127.0.0.1:{port}", server)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture()
def served(tiny_settings: Settings) -> Iterator[Served]:
    with serving(tiny_settings) as running:
        yield running


@pytest.fixture()
def serve_with():
    """`with serve_with(settings) as served:` for a server on settings of the test's own."""
    return serving


@pytest.fixture()
def paced_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local model paced at about 50 tokens a second, like a real small model on a laptop. The tiny model
    writes a whole answer in milliseconds, before a client could see it stream or hang up halfway."""
    stream = TransformersChatModel._stream

    def paced(self, *args, **kwargs):
        for chunk in stream(self, *args, **kwargs):
            time.sleep(0.02)
            yield chunk

    monkeypatch.setattr(TransformersChatModel, "_stream", paced)
