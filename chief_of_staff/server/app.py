"""The HTTP server behind `cos serve`: one FastAPI app owning ONE open session (the model, router and departments
loaded once, the graph on the SQLite thread store) that every request shares: the Ollama-compatible API
(ollama_api.py), the pages (chat, scorecard, departments, costs, login) and their static files.

The local model is not thread-safe and a turn reconfigures the shared Context (the forced department, the
token limit), so `SharedSession` runs one turn at a time under a lock, in a worker thread (LangGraph and the
model block); the event loop only relays the turn's tokens. A client that leaves mid-answer stops the turn the
way Ctrl-C stops it in `cos chat`: run_turn records the partial answer, marked stopped, and the thread stays
consistent.
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
    """The one open session of the server; `answer` runs a turn on it, one at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.lock = threading.Lock()
        self.closed = False

    @property
    def departments(self) -> dict[str, Department]:
        return self.session.registry.departments

    def answer(self, turn: TurnRequest, stop: threading.Event, on_token: Callable[[str], None],
               on_escalation: Callable[[dict], None]) -> TurnResult | None:
        """One turn (blocking: call it from a worker thread). None when `stop` was set before the turn began (its
        client left while it waited for the lock): nothing was recorded."""
        with self.lock:
            if stop.is_set():
                return None
            if self.closed:
                raise ServerClosingError("the server is shutting down; send the request again once it is back")
            context, model = self.session.context, self.session.context.chat_model
            saved = (context.forced_department, context.max_new_tokens, model.max_new_tokens, context.critical,
                     context.private)
            limit = min(turn.num_predict, context.max_new_tokens) if turn.num_predict and turn.num_predict > 0 \
                else None

            def token(piece: str) -> None:
                if stop.is_set():
                    raise ClientGone
                on_token(piece)

            def escalation(event: dict) -> None:
                if stop.is_set():
                    raise ClientGone  # before Claude is paid for an answer nobody will read
                on_escalation(event)

            context.forced_department, context.critical, context.private = turn.department, turn.critical, turn.private
            if limit:
                context.max_new_tokens = model.max_new_tokens = limit
            try:
                return run_turn(self.session.graph, context, turn.thread_id or new_thread_id(), turn.task, token,
                                escalation)
            finally:
                (context.forced_department, context.max_new_tokens, model.max_new_tokens, context.critical,
                 context.private) = saved

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

    def close(self) -> None:
        """Wait for the running turn, then refuse new ones (the session's SQLite connection closes next)."""
        with self.lock:
            self.closed = True


def shared(request: Request) -> SharedSession:
    """The server's one session, from any endpoint."""
    return request.app.state.shared


def create_app(settings: Settings) -> FastAPI:
    """The app; the session opens when the server starts (the model loads once) and closes when it stops."""
    from chief_of_staff.server import chat_page, login_page, ollama_api, pages, scorecard_page
    from chief_of_staff.server.templating import STATIC_DIR

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with open_session(settings) as session, scorecard_page.open_scorecards(settings) as scorecards:
            app.state.shared = SharedSession(session)
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
