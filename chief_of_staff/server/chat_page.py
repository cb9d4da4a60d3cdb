"""The chat page: threads down the side, the conversation, and a box to send a task. Each answer shows its
department, tier, confidence, cost and the reasons for the tier (the trace `cos chat` prints with /why).

The page is rendered here; `static/chat.js` sends a task to `POST /web/chat` and shows the answer as it streams.
That endpoint runs the same turn as the Ollama API and `cos chat` (SharedSession), and streams NDJSON events:

    {"event": "thread", "thread_id": ..., "url": ...}       once the thread holds the task (the turn began)
    {"event": "token", "text": ...}                         a piece of the answer
    {"event": "escalating", "tier": 2, "model": ..., "reason": ...}   Claude takes over: its answer replaces
    {"event": "done", "answer": ..., "trace": {...}, "stopped": false, "meta_html": ...}
    {"event": "error", "error": ...}

`meta_html` is the same template the page uses for earlier answers, so a streamed answer and a reloaded one
look the same. A browser that closes or presses Stop ends the turn like Ctrl-C: the partial answer is kept,
marked stopped. The thread event waits for the turn's first event: a turn still queued behind another (the model
answers one at a time) may never start, and the browser must not move to a thread that was never written.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.server.bodies import json_body
from chief_of_staff.server.shared_session import NDJSON, TurnRequest, shared
from chief_of_staff.server.templating import render, templates
from chief_of_staff.threads import list_threads, new_thread_id, thread_exists, thread_messages

THREAD_ID = r"^[A-Za-z0-9_-]{1,64}$"
MAX_MESSAGE_CHARS = 100_000
router = APIRouter()


class WebChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="The task.")
    thread_id: str | None = Field(None, pattern=THREAD_ID, description="Continue this thread; None starts one.")
    department: str | None = Field(None, description="Answer in this department; None lets the router choose.")
    critical: bool = Field(False, description="Mark the task critical (Opus when the budget allows).")
    private: bool = Field(False, description="The thread never leaves this machine.")
    no_adapter: bool = Field(False, description="Answer without the department's adapter, to compare.")

    @field_validator("message")
    @classmethod
    def has_text(cls, message: str) -> str:
        if not message.strip():
            raise ValueError("the message is empty: type what you need done")
        return message

    @field_validator("department", "thread_id")
    @classmethod
    def blank_is_none(cls, value: str | None) -> str | None:
        return value or None


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/chat", status_code=303)


@router.get("/chat", response_class=HTMLResponse)
def new_chat(request: Request) -> HTMLResponse:
    return chat_page(request, None)


@router.get("/chat/{thread_id}", response_class=HTMLResponse)
def chat_thread(request: Request, thread_id: str) -> HTMLResponse:
    return chat_page(request, thread_id)


def chat_page(request: Request, thread_id: str | None) -> HTMLResponse:
    session = shared(request)
    graph = session.session.graph
    if thread_id is not None and not thread_exists(graph, thread_id):
        return render(request, "error.html", 404, heading="No such thread",
                      message=f"There is no thread {thread_id!r} on this machine.", back="/chat")
    messages = thread_messages(graph, thread_id) if thread_id else []
    title = next((m.text for m in messages if m.role == "user"), "")[:60]
    return render(request, "chat.html", thread_id=thread_id, title=title, messages=messages,
                  threads=list_threads(graph), departments=sorted(session.departments),
                  max_chars=MAX_MESSAGE_CHARS)


@router.post("/web/chat", response_model=None)
async def send_message(request: Request,
                       body: WebChatRequest = json_body(WebChatRequest)) -> StreamingResponse | JSONResponse:
    session = shared(request)
    if body.department and body.department not in session.departments:
        known = ", ".join(sorted(session.departments))
        return JSONResponse({"error": f"no department {body.department!r}; choose one of: {known}"}, 404)
    graph = session.session.graph
    if body.thread_id and not await asyncio.to_thread(thread_exists, graph, body.thread_id):
        return JSONResponse({"error": f"no thread {body.thread_id!r}: start a new chat"}, 404)
    thread_id = body.thread_id or new_thread_id()
    turn = TurnRequest(body.message, body.department, thread_id, critical=body.critical, private=body.private,
                       no_adapter=body.no_adapter)
    events = chat_events(thread_id, session.turn_events(turn), lambda: thread_exists(graph, thread_id))
    return StreamingResponse(events, media_type=NDJSON)


async def chat_events(thread_id: str, events: AsyncIterator,
                      recorded: Callable[[], bool]) -> AsyncIterator[bytes]:
    def line(event: str, **payload: Any) -> bytes:
        return json.dumps({"event": event, **payload}, ensure_ascii=False).encode() + b"\n"

    def was_recorded() -> bool:
        try:
            return recorded()
        except ChiefOfStaffError:  # the database is gone too: the error event below says so
            return False

    announced = False
    try:
        async for kind, value in events:
            began = kind in ("token", "escalating") or (kind == "done" and value is not None)
            if not announced and (began or (kind == "error" and await asyncio.to_thread(was_recorded))):
                announced = True  # the thread holds the task from here
                yield line("thread", thread_id=thread_id, url=f"/chat/{thread_id}")
            if kind == "token":
                yield line("token", text=value)
            elif kind == "escalating":
                yield line("escalating", **value)
            elif kind == "error":
                message = str(value) if isinstance(value, ChiefOfStaffError) else "the turn failed; see the log"
                yield line("error", error=message)
            elif value is not None:
                meta = templates.get_template("answer_meta.html").render(trace=value.trace)
                yield line("done", answer=value.answer, trace=value.trace, stopped=value.stopped, meta_html=meta)
    finally:
        await events.aclose()  # the browser left or pressed Stop: the turn stops and is recorded as stopped
