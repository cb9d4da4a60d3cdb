"""Run-time context of the graph: the loaded model, router and departments (never stored in a thread)."""

from __future__ import annotations

from dataclasses import dataclass

from chief_of_staff.models.base import LocalChatModel
from chief_of_staff.plugins.discovery import Registry, discover_departments
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.router import Router
from chief_of_staff.settings import Settings


@dataclass
class Context:
    """What every node may use. `chat_model` is a local backend (models/base.py)."""

    chat_model: LocalChatModel
    router: Router
    departments: dict[str, Department]
    forced_department: str | None = None  # `--department NAME` skips routing
    history_turns: int = 6
    max_new_tokens: int = 192


def load_router(settings: Settings, registry: Registry) -> Router:
    from chief_of_staff.models.embedder import load_embedder

    return Router(registry.departments.values(), load_embedder(settings.cache_dir))


def load_context(settings: Settings, registry: Registry | None = None, **overrides: object) -> Context:
    """Everything the graph needs, built from the settings (loads the model: seconds)."""
    from chief_of_staff.models.factory import load_chat_model

    registry = registry or discover_departments(settings)
    return Context(
        chat_model=load_chat_model(settings),
        router=load_router(settings, registry),
        departments=registry.departments,
        history_turns=settings.history_turns,
        max_new_tokens=settings.max_new_tokens,
        **overrides,
    )
