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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from chief_of_staff.errors import BackendUnavailableError, ChiefOfStaffError, StoreUnavailableError
from chief_of_staff.server import chat_page, login_page, ollama_api, pages, scorecard_page
from chief_of_staff.server.security import check_bind, secure
from chief_of_staff.server.shared_session import ServerClosingError, SharedSession
from chief_of_staff.server.templating import STATIC_DIR
from chief_of_staff.session import open_session
from chief_of_staff.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 11435  # Ollama's 11434 + 1: both can run side by side


def create_app(settings: Settings) -> FastAPI:
    """The app; the session opens when the server starts (the model loads once) and closes when it stops."""
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
    # 503: what this replica depends on is gone for now (the model server, the database); a balancer retries elsewhere
    unavailable = isinstance(exc, (ServerClosingError, BackendUnavailableError, StoreUnavailableError))
    return JSONResponse({"error": str(exc)}, status_code=503 if unavailable else 500)


def server_config(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> uvicorn.Config:
    """uvicorn's configuration for the app; refuses a non-loopback host without COS_API_TOKEN (ConfigError)."""
    check_bind(host, settings)
    return uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning", lifespan="on")
