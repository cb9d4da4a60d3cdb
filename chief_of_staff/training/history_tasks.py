"""`cos adapters train DEPT --from-history`: the owner's own past tasks for a department, as training tasks.

Each user message whose answer's trace names the department becomes a training task (prompt only, so it is
scored by the department's house-style rules, not by a task-specific reward). Threads are read from the local
thread store; training runs on this machine, so they never leave it. Never used as held-out tasks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chief_of_staff.settings import Settings

MAX_THREADS = 500  # the most recent threads read


def history_tasks(settings: Settings, department: str, departments: list[str]) -> list[dict[str, Any]]:
    """Distinct past tasks the department answered, most recent threads first."""
    store = settings.threads_store
    if isinstance(store, Path) and not store.is_file():
        return []
    from chief_of_staff.graph import build_graph
    from chief_of_staff.threads import open_checkpointer, recent_thread_ids, thread_messages

    tasks: list[dict[str, Any]] = []
    seen: set[str] = set()
    with open_checkpointer(store) as checkpointer:
        graph = build_graph(checkpointer, departments=departments)
        for thread_id in recent_thread_ids(checkpointer, MAX_THREADS):
            messages = thread_messages(graph, thread_id)
            for number, (asked, answer) in enumerate(zip(messages, messages[1:])):
                text = asked.text.strip()
                if (asked.role, answer.role) != ("user", "assistant") or not text or text in seen:
                    continue
                if (answer.trace or {}).get("department") == department:
                    seen.add(text)
                    tasks.append({"id": f"history-{thread_id}-{number}", "split": "train", "prompt": text})
    return tasks
