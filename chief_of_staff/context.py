"""Run-time context of the graph: the loaded model, router and departments (never stored in a thread).

A Context is frozen. What is loaded once (model, router, departments, adapters) is shared by reference; what
belongs to one turn (the forced department, critical, private, the token limit, the cancel flag) is set by
building a copy for that turn with `for_turn`, so parallel turns never change anything another turn reads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from chief_of_staff.escalation.escalate import Escalation
from chief_of_staff.models.base import LocalChatModel
from chief_of_staff.plugins.discovery import Registry, discover_departments
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.router import Router
from chief_of_staff.settings import Settings
from chief_of_staff.tools.selection import ToolSelector

if TYPE_CHECKING:
    from chief_of_staff.tinylora.layer import AdapterBank  # torch: only the transformers backend loads it


@dataclass(frozen=True)
class Context:
    """What every node may use. `chat_model` is a local backend (models/base.py)."""

    chat_model: LocalChatModel
    router: Router
    departments: dict[str, Department]
    forced_department: str | None = None  # `--department NAME` skips routing
    history_turns: int = 6
    max_new_tokens: int = 192
    adapters: AdapterBank | None = None  # departments' TinyLoRA adapters on the local model (transformers only)
    escalation: Escalation | None = None  # Claude, prices and the ledger; None: local only, nothing recorded
    critical: bool = False  # the user marked this task critical (`--critical`)
    private: bool = False  # the user marked this thread private: it never leaves the machine (`--private`)
    cancelled: threading.Event = field(default_factory=threading.Event)  # set by run_turn on Ctrl-C
    adapter_notes: dict[str, str] = field(default_factory=dict)  # department -> "no adapter for this model"
    tool_selector: ToolSelector | None = None  # which department tools fit a task; None: departments use no tools
    tool_pick: str = "auto"  # who picks among candidate tool calls: model, text-order or auto (COS_TOOL_PICK)
    use_adapter: bool = True  # False: answer without the department's adapter (`--no-adapter`), to compare

    def for_turn(self, *, department: str | None = None, critical: bool = False, private: bool = False,
                 max_new_tokens: int | None = None, no_adapter: bool = False) -> Context:
        """This context for one turn: its own options and cancel flag, the same loaded resources. A token limit
        can only be lowered; `private` and a forced department given when the session opened stay."""
        limit = min(max_new_tokens, self.max_new_tokens) if max_new_tokens and max_new_tokens > 0 \
            else self.max_new_tokens
        return replace(self, forced_department=department or self.forced_department, critical=critical,
                       private=private or self.private, max_new_tokens=limit, cancelled=threading.Event(),
                       use_adapter=self.use_adapter and not no_adapter)


def load_router(settings: Settings, registry: Registry) -> Router:
    from chief_of_staff.models.embedder import load_embedder

    return Router(registry.departments.values(), load_embedder(settings.cache_dir))


def load_adapters(settings: Settings, chat_model: LocalChatModel, registry: Registry) -> AdapterBank | None:
    """Every department's adapter on the in-process model; None on a backend that runs elsewhere (Ollama)."""
    if chat_model._llm_type != "transformers":  # llama.cpp holds its adapters in its engine; Ollama elsewhere
        return None
    from chief_of_staff.tinylora.runtime import bank_for, load_department_adapters
    from chief_of_staff.tinylora.store import AdapterStore

    store = AdapterStore.for_settings(settings)
    if not any(store.find(d) for d in registry.departments.values()):
        attached = getattr(chat_model.hf_model, "_tinylora_bank", None)
        if attached is not None:
            attached.clear()  # a model reused in this process answers as the plain base model again
        return None  # nothing to attach: keep the plain model (no wrapper overhead)
    bank = bank_for(chat_model.hf_model, settings.cache_dir)
    load_department_adapters(bank, registry.departments, store)
    return bank


def missing_adapter_notes(settings: Settings, chat_model: LocalChatModel, registry: Registry) -> dict[str, str]:
    """{department: note} for the departments with adapters for other models but none for the one answering."""
    from chief_of_staff.tinylora.store import AdapterStore

    store = AdapterStore.for_settings(settings)
    notes = {name: store.missing_note(d, chat_model.model_name) for name, d in registry.departments.items()}
    return {name: note for name, note in notes.items() if note}


def load_context(settings: Settings, registry: Registry | None = None, parallel: int = 1,
                 **overrides: object) -> Context:
    """Everything the graph needs, built from the settings (loads the model: seconds). `parallel`: how many
    turns llama.cpp answers at once (`cos serve`); one for a single user."""
    from chief_of_staff.escalation.escalate import load_escalation
    from chief_of_staff.models.factory import load_chat_model

    registry = registry or discover_departments(settings)
    chat_model = load_chat_model(settings, registry.departments, parallel)
    router = load_router(settings, registry)
    return Context(
        escalation=load_escalation(settings, list(registry.departments.values())),
        chat_model=chat_model,
        adapters=load_adapters(settings, chat_model, registry),
        adapter_notes=missing_adapter_notes(settings, chat_model, registry),
        router=router,
        tool_selector=ToolSelector(registry.departments.values(), router.embed),
        tool_pick=settings.tool_pick,
        departments=registry.departments,
        history_turns=settings.history_turns,
        max_new_tokens=settings.max_new_tokens,
        **overrides,
    )
