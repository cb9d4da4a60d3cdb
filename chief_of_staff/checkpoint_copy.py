"""`cos db copy`: every checkpoint of every thread from one LangGraph checkpointer to another (SQLite to
PostgreSQL), with the pending writes that hold a paused scorecard's question, so that nothing is lost.

LangGraph has no copy of its own; this replays each thread's checkpoints oldest first through the target's `put`
and `put_writes`, as the graph wrote them. Copying twice writes the same rows again (the savers upsert).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple


@dataclass
class Copied:
    threads: int = 0
    checkpoints: int = 0
    writes: int = 0


def copy_checkpoints(source: BaseCheckpointSaver, target: BaseCheckpointSaver) -> Copied:
    """Copy everything in `source` into `target`; returns what was copied."""
    by_thread: dict[tuple[str, str], list[CheckpointTuple]] = defaultdict(list)
    for saved in source.list(None):  # newest first
        configurable = saved.config["configurable"]
        by_thread[(configurable["thread_id"], configurable.get("checkpoint_ns", ""))].append(saved)
    copied = Copied(threads=len({thread for thread, _ in by_thread}))
    for (thread_id, namespace), saved_list in by_thread.items():
        for saved in reversed(saved_list):
            parent = (saved.parent_config or {}).get("configurable", {}).get("checkpoint_id")
            config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": namespace,
                                       **({"checkpoint_id": parent} if parent else {})}}
            stored = target.put(config, saved.checkpoint, saved.metadata, saved.checkpoint["channel_versions"])
            copied.checkpoints += 1
            by_task: dict[str, list[tuple[str, object]]] = defaultdict(list)
            for task_id, channel, value in saved.pending_writes or []:
                by_task[task_id].append((channel, value))
            for task_id, writes in by_task.items():
                target.put_writes(stored, writes, task_id)
                copied.writes += len(writes)
    return copied
