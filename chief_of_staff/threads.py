"""Conversation threads on disk: a LangGraph SqliteSaver in the user's data directory (WAL mode)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

LAST_THREAD_FILE = "last_thread"


def new_thread_id() -> str:
    return uuid.uuid4().hex[:12]


@contextmanager
def open_checkpointer(db_path: Path) -> Iterator[SqliteSaver]:
    """A SqliteSaver on `db_path`, safe for several processes (WAL, busy timeout)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, check_same_thread=False, timeout=30)
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


def list_threads(graph, limit: int = 20) -> list[ThreadSummary]:
    """Most recent threads first, each with its message count and first task as title."""
    seen: list[str] = []
    for checkpoint in graph.checkpointer.list(None):
        thread_id = checkpoint.config["configurable"]["thread_id"]
        if thread_id not in seen:
            seen.append(thread_id)
    summaries = []
    for thread_id in seen[:limit]:
        messages = graph.get_state({"configurable": {"thread_id": thread_id}}).values.get("messages", [])
        title = next((m.text for m in messages if m.type == "human"), "")
        summaries.append(ThreadSummary(thread_id, len(messages), " ".join(title.split())[:60]))
    return summaries


def remember_last_thread(data_dir: Path, thread_id: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / LAST_THREAD_FILE).write_text(thread_id)


def last_thread(data_dir: Path) -> str | None:
    path = data_dir / LAST_THREAD_FILE
    return path.read_text().strip() or None if path.is_file() else None
