"""Who answers when, in `cos serve`: one lock per thread (a thread's turns keep their order; with
COS_DATABASE_URL also across replicas, by a PostgreSQL advisory lock), slots bounding the turns that answer at
once, and reloading llama.cpp's engine when a department's adapter file changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.session import Session

log = logging.getLogger(__name__)


class ThreadLocks:
    """One lock per thread id, kept only while some turn holds or waits for it; with a database URL, held in
    PostgreSQL too, so that another replica's turn on the same thread waits as well."""

    def __init__(self, database_url: str = "") -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, list] = {}  # thread id -> [lock, turns holding or waiting]
        self.database_url = database_url

    @contextmanager
    def holding(self, thread_id: str, stop: threading.Event) -> Iterator[bool]:
        with self._guard:
            entry = self._locks.setdefault(thread_id, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with acquired(entry[0], stop) as ready:
                if not (ready and self.database_url):
                    yield ready
                    return
                from chief_of_staff.postgres import thread_lock

                with thread_lock(self.database_url, thread_id, stop) as everywhere:
                    yield everywhere
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[thread_id]


@contextmanager
def acquired(lock, stop: threading.Event) -> Iterator[bool]:
    """Hold `lock` (a Lock or Semaphore) unless `stop` is set first; yields whether it is held."""
    while not lock.acquire(timeout=0.05):
        if stop.is_set():
            yield False
            return
    try:
        yield not stop.is_set()
    finally:
        lock.release()


class AdapterWatch:
    """Reloads llama.cpp's engine when a department's adapter file appears, changes or goes (between turns)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._lock = threading.Lock()
        self._seen = self._signature()

    def _signature(self) -> tuple:
        from chief_of_staff.tinylora.store import AdapterStore

        store = AdapterStore.for_settings(self.session.settings)
        found = []
        for name, department in self.session.registry.departments.items():
            path = store.find(department)
            if path is not None:
                stat = path.stat()
                found.append((name, str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    def refresh(self) -> None:
        from chief_of_staff.models.factory import engine_config
        from chief_of_staff.models.llamacpp_chat import LlamaCppChatModel

        model = self.session.context.chat_model
        if not isinstance(model, LlamaCppChatModel):
            return
        with self._lock:
            now = self._signature()
            if now == self._seen:
                return
            self._seen = now  # tried once per change: a failure is not retried on every turn
            try:
                config = engine_config(self.session.settings, self.session.registry.departments,
                                       model.engine.config.parallel)
                if config.adapters != model.engine.config.adapters:
                    log.warning("adapters changed: reloading llama.cpp with %s",
                                ", ".join(a.department for a in config.adapters) or "none")
                    model.reload(config)
            except ChiefOfStaffError as exc:
                log.warning("adapters changed but llama.cpp could not reload (%s); answering as before", exc)
