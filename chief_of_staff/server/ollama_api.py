"""Ollama's HTTP API, so Ollama clients (the `ollama` library, LangChain's ChatOllama, Open WebUI, editors) can
talk to the Chief of Staff.

Models: `cos` is routed by the Chief of Staff; `cos-<department>` answers in that department (an optional
`:latest` tag is accepted). Every answer goes through the graph exactly as `cos chat` does, tier policy and
escalation to Claude included, and the final object carries a `cos` field with the trace (department, tier,
confidence, cost, reasons, thread) that Ollama clients ignore.

Where this departs from Ollama:
- History: each request is a fresh thread holding only the task (the last user message; the prompt for
  /api/generate). Earlier messages, and /api/generate's `system` and `context`, are ignored: a history the
  client sends was never checked by the sensitivity guard, and an escalation would carry it to Claude.
  Every answer is kept in the thread store (`cos chat -t <thread_id>` continues it).
- Options: `num_predict` lowers the local model's token limit (never above COS_MAX_NEW_TOKENS); temperature and
  the rest are ignored, since the escalation thresholds are calibrated on the configured decoding. `format`,
  `keep_alive`, `think` and `tools` are accepted and ignored (the model stays loaded while the server runs).
- A streamed answer that escalates shows the local answer, a line saying so, then Claude's answer, as chat
  does; the non-streamed answer is the one that stands (Claude's).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.server.bodies import json_body
from chief_of_staff.server.shared_session import NDJSON, SharedSession, TurnRequest, shared
from chief_of_staff.trace import answer_record
from chief_of_staff.turns import TurnResult

OLLAMA_VERSION = "0.12.0"  # the Ollama release whose API this mirrors; clients gate features on it
ROUTED_MODEL = "cos"
MODEL_PREFIX = "cos-"

Reply = dict[str, Any] | JSONResponse | StreamingResponse  # an answer, an Ollama error, or an NDJSON stream
Piece = Callable[[str], dict[str, Any]]  # text -> the endpoint's field for it (message.content or response)

router = APIRouter(prefix="/api")


class OllamaRequest(BaseModel):
    """What /api/chat and /api/generate share; unknown fields (tools, think, raw, images…) are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1, description="`cos` or `cos-<department>`.")
    stream: bool = Field(True, description="NDJSON, one object per piece (Ollama's default), or one object.")
    options: dict[str, Any] = Field(default_factory=dict, description="Only num_predict is honoured.")
    format: str | dict[str, Any] | None = Field(None, description="Accepted and ignored.")
    keep_alive: str | float | None = Field(None, description="Accepted and ignored: the model stays loaded.")

    @property
    def num_predict(self) -> int | None:
        value = self.options.get("num_predict")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str
    content: str | None = None  # null in messages that only carry tool calls


class ChatRequest(OllamaRequest):
    messages: list[ChatMessage] = Field(default_factory=list)

    @property
    def task(self) -> str:
        return next((m.content or "" for m in reversed(self.messages) if m.role == "user"), "")


class GenerateRequest(OllamaRequest):
    prompt: str = ""

    @property
    def task(self) -> str:
        return self.prompt


class ShowRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = ""
    name: str = Field("", description="Older clients send the model here.")


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def model_not_found(name: str) -> JSONResponse:
    return JSONResponse({"error": f"model '{name}' not found"}, status_code=404)


def department_of(name: str, departments: dict[str, Department]) -> tuple[bool, str | None]:
    """(known, department): `cos` -> (True, None), routed; `cos-security[:latest]` -> (True, 'security')."""
    base = name.removesuffix(":latest")
    if base == ROUTED_MODEL:
        return True, None
    department = base.removeprefix(MODEL_PREFIX)
    return base.startswith(MODEL_PREFIX) and department in departments, department


def describe(name: str, department: Department | None) -> str:
    return department.manifest.description if department else "The Chief of Staff routes each task to a department."


def details(shared_session: SharedSession) -> dict[str, Any]:
    model = shared_session.session.context.chat_model
    return {"parent_model": "", "format": "chief-of-staff", "family": "chief-of-staff",
            "families": ["chief-of-staff"], "parameter_size": "", "quantization_level": "",
            "local_model": model.model_name}


def tag(name: str, department: Department | None, shared_session: SharedSession) -> dict[str, Any]:
    manifest = (department.folder / "department.toml") if department else None
    modified = manifest.stat().st_mtime if manifest and manifest.is_file() else time.time()
    return {
        "name": name,
        "model": name,
        "modified_at": datetime.fromtimestamp(modified, timezone.utc).isoformat(),
        "size": 0,
        "digest": hashlib.sha256(f"{name}\n{describe(name, department)}".encode()).hexdigest(),
        "details": details(shared_session),
    }


@router.get("/version")
async def version() -> dict[str, str]:
    return {"version": OLLAMA_VERSION}


@router.get("/tags")
async def tags(request: Request) -> dict[str, Any]:
    """Every department as a model `cos-<department>`, after `cos` (routed)."""
    session = shared(request)
    models = [tag(ROUTED_MODEL, None, session)]
    models += [tag(MODEL_PREFIX + name, d, session) for name, d in sorted(session.departments.items())]
    return {"models": models}


@router.post("/show", response_model=None)
async def show(request: Request, body: ShowRequest = json_body(ShowRequest)) -> dict[str, Any] | JSONResponse:
    session = shared(request)
    name = body.model or body.name
    known, department_name = department_of(name, session.departments)
    if not known:
        return model_not_found(name)
    department = session.departments.get(department_name) if department_name else None
    context = session.session.context
    return {
        "modelfile": f"# {describe(name, department)}\n",
        "parameters": f"num_predict {context.max_new_tokens}",
        "template": "",
        "license": "",
        "details": details(session),
        "model_info": {
            "general.architecture": "chief-of-staff",
            "cos.department": department_name or "",
            "cos.description": describe(name, department),
            "cos.context_length": context.chat_model.context_window,
        },
        "capabilities": ["completion"],
        "modified_at": tag(name, department, session)["modified_at"],
    }


@router.post("/chat", response_model=None)
async def chat(request: Request, body: ChatRequest = json_body(ChatRequest)) -> Reply:
    """The last user message answered on a fresh thread; `message.content` pieces, then the statistics."""
    return await answer(body, request, lambda text: {"message": {"role": "assistant", "content": text}})


@router.post("/generate", response_model=None)
async def generate(request: Request, body: GenerateRequest = json_body(GenerateRequest)) -> Reply:
    """The prompt answered on a fresh thread; `response` pieces, then the statistics."""
    return await answer(body, request, lambda text: {"response": text})


async def answer(body: ChatRequest | GenerateRequest, request: Request, piece: Piece) -> Reply:
    session = shared(request)
    known, department = department_of(body.model, session.departments)
    if not known:
        return model_not_found(body.model)
    if not body.task.strip():  # Ollama's way to load (or, keep_alive 0, unload) a model: answer done at once
        reason = "unload" if body.keep_alive in (0, "0", "0s") else "load"
        return {"model": body.model, "created_at": now(), **piece(""), "done": True, "done_reason": reason}
    events = session.turn_events(TurnRequest(body.task, department, num_predict=body.num_predict))
    if body.stream:
        return StreamingResponse(ndjson(body.model, events, piece), media_type=NDJSON)
    started = time.perf_counter_ns()
    async with aclosing(events):
        async for kind, value in events:  # tokens are not collected: the answer that stands is the TurnResult's
            if kind == "error":
                raise value
            if kind == "done" and value is not None:
                return {"model": body.model, "created_at": now(), **piece(value.answer),
                        **final_fields(value, started, started)}
    raise ChiefOfStaffError("the turn ended without an answer")  # unreachable: turn_events ends with done/error


async def ndjson(model: str, events: AsyncIterator, piece: Piece) -> AsyncIterator[bytes]:
    """One JSON object per line, Ollama's stream; an error after the stream began is a line {"error": ...}."""
    started = time.perf_counter_ns()
    first_token = None

    def line(payload: dict[str, Any]) -> bytes:
        return json.dumps({"model": model, "created_at": now(), **payload}, ensure_ascii=False).encode() + b"\n"

    try:
        async for kind, value in events:
            if kind == "token":
                first_token = first_token or time.perf_counter_ns()
                yield line({**piece(value), "done": False})
            elif kind == "escalating":
                note = f"\n\n↑ escalating to {value['model']} ({value['reason']})\n\n"
                yield line({**piece(note), "done": False})
            elif kind == "error":
                yield line({"error": str(value) if isinstance(value, ChiefOfStaffError) else "the turn failed"})
            elif value is not None:
                yield line({**piece(""), **final_fields(value, started, first_token or started)})
    finally:
        await events.aclose()  # a client that left: the turn stops early and is recorded as stopped


def final_fields(result: TurnResult, started: int, first_token: int) -> dict[str, Any]:
    """Ollama's closing statistics (durations in nanoseconds) and the Chief of Staff's trace under `cos`."""
    ended = time.perf_counter_ns()
    trace = result.trace
    finish = trace.get("finish_reason") or "stop"
    return {
        "done": True,
        "done_reason": "length" if finish == "length" else "stop",
        "total_duration": ended - started,
        "load_duration": 0,  # loaded once when the server started
        "prompt_eval_count": trace.get("tokens_in", 0),
        "prompt_eval_duration": first_token - started,
        "eval_count": trace.get("tokens_out", 0),
        "eval_duration": ended - first_token,
        "cos": {k: v for k, v in answer_record(result.text, result.answer, result.thread_id, result.trace).items()
                if k not in ("text", "answer")} | {"stopped": result.stopped},
    }
