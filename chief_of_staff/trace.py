"""The trace of one answer: where it went, what ran, what it cost and why. One model, one serializer (`as_dict`),
used by the graph (which checkpoints it), `cos ask --json`, `cos chat`'s /why, the chat page and the Ollama API's
`cos` field. A stopped turn's trace has the same fields, with what was known when it stopped.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ToolCallTrace(BaseModel):
    """One tool call of the turn."""

    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = None  # what the tool returned (JSON-ready); None when it failed
    error: str | None = None  # why it failed, as the model was told
    seconds: float = 0.0
    chosen_by: str = ""  # how the call was chosen (the only call, text order, the model, Claude...)


class SensitiveTrace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sensitive: bool = False
    kinds: list[str] = Field(default_factory=list)  # kinds, never values


class Trace(BaseModel):
    """Everything a user may ask about an answer."""

    model_config = ConfigDict(extra="forbid")

    department: str = ""
    route_score: float = 0.0
    model: str = ""
    backend: str = ""
    adapter: dict[str, Any] | None = None  # {department, params} when the department's adapter answered
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    finish_reason: str = ""  # stop, length, stopped
    tier: int | None = None  # 1 local, 2 Sonnet, 3 Opus, 4 sensitive (local); None: stopped before deciding
    escalated_to: str | None = None  # the Claude model that answered
    escalation_started: bool = False  # Claude's text reached the user, answered or not
    confidence: float | None = None
    threshold: float | None = None
    critical: bool = False
    sensitive: SensitiveTrace = Field(default_factory=SensitiveTrace)
    cost_usd: float = 0.0
    reasons: list[str] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    tools: list[ToolCallTrace] = Field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The trace as plain JSON data: what threads store and every interface shows."""
        return self.model_dump(mode="json")


def answer_record(text: str, answer: str, thread_id: str, trace: dict[str, Any]) -> dict[str, Any]:
    """A task, its answer and its trace as one JSON object (`cos ask --json`, the Ollama API's `cos` field)."""
    return {"text": text, "answer": answer, "thread_id": thread_id, **Trace.model_validate(trace).as_dict()}
