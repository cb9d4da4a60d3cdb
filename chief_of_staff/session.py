"""Opening a working Chief of Staff: settings -> departments -> model and router -> graph on the thread store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from chief_of_staff.context import Context, load_context
from chief_of_staff.graph import build_graph
from chief_of_staff.plugins.discovery import Registry, discover_departments
from chief_of_staff.settings import Settings
from chief_of_staff.threads import open_checkpointer

log = logging.getLogger(__name__)


@dataclass
class Session:
    settings: Settings
    registry: Registry
    context: Context
    graph: object


@contextmanager
def open_session(settings: Settings, department: str | None = None, critical: bool = False,
                 private: bool = False, parallel: int = 1) -> Iterator[Session]:
    """A ready graph with its context; broken plugins are logged (or raised when strict)."""
    registry = discover_departments(settings)
    for broken in registry.broken:
        log.warning("skipped broken department plugin %s: %s (fix: %s)", broken.path, broken.error, broken.fix)
    if department:
        registry.require(department)  # fail before the slow model load
    context = load_context(settings, registry, parallel, forced_department=department, critical=critical,
                           private=private)
    with open_checkpointer(settings.threads_store) as checkpointer:
        yield Session(settings, registry, context, build_graph(checkpointer, registry.departments))
