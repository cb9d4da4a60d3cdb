"""Conversion between langchain-core messages and the plain role/content dicts model runtimes take."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def to_role_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """[{'role': 'system'|'user'|'assistant', 'content': str}] for a chat template or an Ollama request."""
    converted = []
    for message in messages:
        role = ROLES.get(message.type)
        if role is None:
            raise ValueError(f"unsupported message type {message.type!r}; use system, human or ai messages")
        converted.append({"role": role, "content": message.text})
    return converted


__all__ = ["AIMessage", "HumanMessage", "SystemMessage", "to_role_dicts"]
