"""Builds the configured local chat model (transformers in-process by default, or Ollama)."""

from __future__ import annotations

from functools import lru_cache

from chief_of_staff.models.base import LocalChatModel
from chief_of_staff.settings import Settings


def load_chat_model(settings: Settings) -> LocalChatModel:
    """The chat model named by settings.backend / settings.model, ready to answer."""
    if settings.backend == "ollama":
        from chief_of_staff.models.ollama_chat import OllamaChatModel

        return OllamaChatModel(
            model_name=settings.model,
            host=settings.ollama_host,
            source=settings.ollama_host,
            max_new_tokens=settings.max_new_tokens,
            temperature=settings.temperature,
            repetition_penalty=settings.repetition_penalty,
            context_window_tokens=settings.ollama_context_window,
        )
    return _transformers_model(settings)


def _transformers_model(settings: Settings) -> LocalChatModel:
    from chief_of_staff.models.transformers_chat import TransformersChatModel

    model, tokenizer, source = _load_weights(settings.model, str(settings.cache_dir), settings.use_model_cache)
    return TransformersChatModel(
        model,
        tokenizer,
        device=settings.device,
        model_name=source.name,
        source=f"{source.kind}:{source.path}",
        max_new_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
        repetition_penalty=settings.repetition_penalty,
    )


@lru_cache(maxsize=2)
def _load_weights(model: str, cache_root: str, use_cache: bool):
    """One copy of the weights per process (a server answers many requests on the same model)."""
    from pathlib import Path

    from chief_of_staff.models.embedded import load_local_model

    return load_local_model(model, Path(cache_root), use_cache)
