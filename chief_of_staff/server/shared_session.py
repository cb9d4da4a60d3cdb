"""The one open session a server shares between requests (`SharedSession`), the turn a request asks for
(`TurnRequest`), and how a turn streams as events. Apart from app.py so that the endpoint modules (chat_page.py,
ollama_api.py) import it without importing the app that includes them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.server.turn_slots import AdapterWatch, ThreadLocks, acquired
from chief_of_staff.session import Session
from chief_of_staff.threads import new_thread_id
from chief_of_staff.turns import TurnResult, run_turn

NDJSON = "application/x-ndjson"  # one JSON object per line: how answers stream
log = logging.getLogger(__name__)

TurnEvent = tuple[Literal["token", "escalating", "done", "error"], Any]


class ClientGone(KeyboardInterrupt):
    """Raised in run_turn's token callback once the HTTP client has left. run_turn treats any KeyboardInterrupt
    as the user stopping the turn: it stops the model early and records the partial answer as a stopped turn."""


class ServerClosingError(ChiefOfStaffError):
    """The server is shutting down; the turn did not start."""


@dataclass(frozen=True)
class TurnRequest:
    """One turn asked over HTTP."""

    task: str
    department: str | None = None  # None: the Chief of Staff routes
    thread_id: str | None = None  # None: a fresh thread
    num_predict: int | None = None  # can lower the local model's token limit, never raise it
    critical: bool = False  # like `--critical`
    private: bool = False  # like `--private`: the thread never leaves the machine
    no_adapter: bool = False  # like `--no-adapter`: answer without the department's adapter


class SharedSession:
    """The one open session of the server; `answer` runs a turn on it."""

    def __init__(self, session: Session, parallel: int = 1) -> None:
        self.session = session
        self.parallel = parallel
        self._slots = threading.BoundedSemaphore(parallel)
        self._threads = ThreadLocks(session.settings.database_url)
        self._running = 0
        self._idle = threading.Condition()
        self._adapters = AdapterWatch(session)
        self.closed = False

    @property
    def departments(self) -> dict[str, Department]:
        return self.session.registry.departments

    def answer(self, turn: TurnRequest, stop: threading.Event, on_token: Callable[[str], None],
               on_escalation: Callable[[dict], None]) -> TurnResult | None:
        """One turn (blocking: call it from a worker thread). None when `stop` was set before the turn began (its
        client left while it waited for its thread or a slot): nothing was recorded."""
        thread_id = turn.thread_id or new_thread_id()
        with self._threads.holding(thread_id, stop) as ready, acquired(self._slots, stop) as slot:
            if not (ready and slot):
                return None
            with self._idle:
                if self.closed:
                    raise ServerClosingError("the server is shutting down; send the request again once it is back")
                self._running += 1
            try:
                self._adapters.refresh()
                context = self.session.context.for_turn(department=turn.department, critical=turn.critical,
                                                        private=turn.private, max_new_tokens=turn.num_predict,
                                                        no_adapter=turn.no_adapter)

                def token(piece: str) -> None:
                    if stop.is_set():
                        raise ClientGone
                    on_token(piece)

                def escalation(event: dict) -> None:
                    if stop.is_set():
                        raise ClientGone  # before Claude is paid for an answer nobody will read
                    on_escalation(event)

                return run_turn(self.session.graph, context, thread_id, turn.task, token, escalation)
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

    async def turn_events(self, turn: TurnRequest) -> AsyncIterator[TurnEvent]:
        """The turn as events: ("token", text)…, ("escalating", {tier, model, reason}), then ("done", TurnResult
        or None) or ("error", exception). Closing the iterator early (the client left) stops the turn."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[TurnEvent] = asyncio.Queue()
        stop = threading.Event()

        def put(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(events.put_nowait, (kind, value))
            except RuntimeError:  # the event loop has closed (server stopped): nobody is listening
                pass

        def work() -> None:
            try:
                put("done", self.answer(turn, stop, lambda piece: put("token", piece),
                                        lambda event: put("escalating", event)))
            except Exception as exc:  # noqa: BLE001 - reported to the client, which is the one to tell
                if not isinstance(exc, ChiefOfStaffError):
                    log.exception("a turn failed")
                put("error", exc)

        threading.Thread(target=work, name="cos-turn", daemon=True).start()
        finished = False
        try:
            while not finished:
                kind, value = await events.get()
                finished = kind in ("done", "error")
                yield kind, value
        finally:
            if not finished:
                stop.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no turn is running; False if one still runs after `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    def close(self) -> None:
        """Refuse new turns and wait for the running ones (the session's SQLite connection closes next)."""
        with self._idle:
            self.closed = True
        self.wait_idle()


def shared(request: Request) -> SharedSession:
    """The server's one session, from any endpoint."""
    return request.app.state.shared
