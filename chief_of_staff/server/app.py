"""The HTTP server behind `cos serve`: one FastAPI app owning ONE open session (the model, router and departments
loaded once, the graph on the SQLite thread store) that every request shares: the Ollama-compatible API
(ollama_api.py), the pages (chat, scorecard, departments, costs, login) and their static files.

Turns run in worker threads (LangGraph and the model block); the event loop only relays their tokens. Each turn
gets its own Context copy (`Context.for_turn`): nothing shared is changed by a turn. On llama.cpp up to
`parallel` turns (COS_PARALLEL, default 4) answer at once, each in its own slot of the engine; turns of one
thread wait for each other, so a thread's checkpoints stay in order. The transformers backend switches the
shared model's adapter per turn, so there turns run one at a time. A client that leaves mid-answer stops its
turn the way Ctrl-C stops it in `cos chat` (run_turn records the partial answer, marked stopped) and frees its
slot. A new or retrained adapter is picked up before the next turn: llama.cpp's engine is reloaded with it, and
answers already streaming finish on the engine they started on.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.server.security import check_bind, secure
from chief_of_staff.server.turn_slots import AdapterWatch, ThreadLocks, acquired
from chief_of_staff.session import Session, open_session
from chief_of_staff.settings import Settings
from chief_of_staff.threads import new_thread_id
from chief_of_staff.turns import TurnResult, run_turn

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 11435  # Ollama's 11434 + 1: both can run side by side
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


class SharedSession:
    """The one open session of the server; `answer` runs a turn on it."""

    def __init__(self, session: Session, parallel: int = 1) -> None:
        self.session = session
        self.parallel = parallel
        self._slots = threading.BoundedSemaphore(parallel)
        self._threads = ThreadLocks()
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
                                                        private=turn.private, max_new_tokens=turn.num_predict)

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


def create_app(settings: Settings) -> FastAPI:
    """The app; the session opens when the server starts (the model loads once) and closes when it stops."""
    from chief_of_staff.server import chat_page, login_page, ollama_api, pages, scorecard_page
    from chief_of_staff.server.templating import STATIC_DIR

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        parallel = 1 if settings.backend == "transformers" else settings.parallel
        with open_session(settings, parallel=parallel) as session, \
                scorecard_page.open_scorecards(settings) as scorecards:
            app.state.shared = SharedSession(session, parallel)
            app.state.scorecards = scorecards
            try:
                yield
            finally:
                await asyncio.to_thread(app.state.shared.close)

    app = FastAPI(title="Chief of Staff", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    for module in (ollama_api, chat_page, scorecard_page, pages, login_page):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(RequestValidationError, bad_request)
    app.add_exception_handler(ChiefOfStaffError, domain_error)
    secure(app, settings)
    return app


async def bad_request(request: Any, exc: RequestValidationError) -> JSONResponse:
    """Malformed JSON or a missing field: 400 in Ollama's shape, naming the problem."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'][1:]) or 'body'}: {err['msg']}" for err in exc.errors()
    )
    return JSONResponse({"error": f"bad request: {problems}"}, status_code=400)


async def domain_error(request: Any, exc: ChiefOfStaffError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=503 if isinstance(exc, ServerClosingError) else 500)


def server_config(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> uvicorn.Config:
    """uvicorn's configuration for the app; refuses a non-loopback host without COS_API_TOKEN (ConfigError)."""
    check_bind(host, settings)
    return uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning", lifespan="on")
