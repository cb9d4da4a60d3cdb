"""Conversation threads: a LangGraph SqliteSaver in the user's data directory (WAL mode), or PostgresSaver when
COS_DATABASE_URL names a PostgreSQL database (postgres.py)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from chief_of_staff.postgres import PostgresSchema, postgres_checkpointer

LAST_THREAD_FILE = "last_thread"


def new_thread_id() -> str:
    return uuid.uuid4().hex[:12]


@contextmanager
def open_checkpointer(where: Path | PostgresSchema) -> Iterator[BaseCheckpointSaver]:
    """A checkpointer on `where`: a SqliteSaver on a file, safe for several processes (WAL, busy timeout), or a
    PostgresSaver on a schema of a PostgreSQL database."""
    if isinstance(where, PostgresSchema):
        with postgres_checkpointer(where) as saver:
            yield saver
        return
    where.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(where, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    try:
        saver = SqliteSaver(conn)
        saver.setup()
        yield saver
    finally:
        conn.close()


@dataclass(frozen=True)
class ThreadSummary:
    thread_id: str
    messages: int
    title: str


def recent_thread_ids(checkpointer, limit: int) -> list[str]:
    """Up to `limit` thread ids, most recently touched first (checkpoint ids grow with time)."""
    found: list[str] = []
    checkpoints = checkpointer.list(None)
    try:
        for checkpoint in checkpoints:
            thread_id = checkpoint.config["configurable"]["thread_id"]
            if thread_id not in found:
                found.append(thread_id)
                if len(found) == limit:
                    break
    finally:
        checkpoints.close()  # SqliteSaver holds its (non-reentrant) lock until the listing is closed
    return found


def list_threads(graph, limit: int = 20) -> list[ThreadSummary]:
    """Most recent threads first, each with its message count and first task as title."""
    summaries = []
    for thread_id in recent_thread_ids(graph.checkpointer, limit):
        messages = graph.get_state({"configurable": {"thread_id": thread_id}}).values.get("messages", [])
        title = next((m.text for m in messages if m.type == "human"), "")
        summaries.append(ThreadSummary(thread_id, len(messages), " ".join(title.split())[:60]))
    return summaries


@dataclass(frozen=True)
class ThreadMessage:
    role: str  # "user" or "assistant"
    text: str
    trace: dict[str, Any] | None  # an answer's trace (graph.respond): department, tier, confidence, cost, reasons


def thread_messages(graph, thread_id: str) -> list[ThreadMessage]:
    """The thread's messages, each answer with the trace it was given."""
    config = {"configurable": {"thread_id": thread_id}}
    state = graph.get_state(config).values
    messages, traces = state.get("messages", []), state.get("traces", {})
    if any(m.type == "ai" and m.id not in traces for m in messages):
        traces = {**traces_from_history(graph, config), **traces}
    return [ThreadMessage("user" if m.type == "human" else "assistant", m.text, traces.get(m.id))
            for m in messages if m.type in ("human", "ai")]


def traces_from_history(graph, config: dict) -> dict[str, dict[str, Any]]:
    """Answers' traces read back from every checkpoint, for threads written before the state kept `traces`:
    the state at the end of each turn names its answer (the last message) and that answer's trace. Slow on long
    threads (each checkpoint holds the whole conversation), so only a fallback."""
    traces: dict[str, dict[str, Any]] = {}
    for snapshot in graph.get_state_history(config):  # newest first: a stopped turn's later trace wins
        messages, trace = snapshot.values.get("messages", []), snapshot.values.get("trace")
        if not snapshot.next and trace and messages and messages[-1].type == "ai":
            traces.setdefault(messages[-1].id, trace)
    return traces


def thread_exists(graph, thread_id: str) -> bool:
    return graph.checkpointer.get_tuple({"configurable": {"thread_id": thread_id}}) is not None


def remember_last_thread(data_dir: Path, thread_id: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / LAST_THREAD_FILE).write_text(thread_id)


def last_thread(data_dir: Path) -> str | None:
    path = data_dir / LAST_THREAD_FILE
    return path.read_text().strip() or None if path.is_file() else None
