"""Builds the configured local chat model: llama.cpp in-process by default, transformers in-process, Ollama, or
an OpenAI-compatible server."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from chief_of_staff.errors import ModelLoadError, ModelNotFoundError
from chief_of_staff.models.base import LocalChatModel
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.settings import Settings

if TYPE_CHECKING:
    from chief_of_staff.models.llamacpp_engine import EngineConfig

log = logging.getLogger(__name__)


def load_chat_model(settings: Settings, departments: dict[str, Department] | None = None,
                    parallel: int = 1) -> LocalChatModel:
    """The chat model named by settings.backend / settings.model, ready to answer. On llama.cpp it carries the
    `departments`' adapters and `parallel` slots (`cos serve` asks for settings.parallel; one user, one)."""
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
    if settings.backend == "openai":
        return _openai_model(settings, departments or {})
    if settings.backend == "llamacpp":
        return _llamacpp_model(settings, departments or {}, parallel)
    return _transformers_model(settings)


def _openai_model(settings: Settings, departments: dict[str, Department]) -> LocalChatModel:
    from chief_of_staff.errors import ConfigError
    from chief_of_staff.models.openai_chat import OpenAIChatModel

    if not settings.openai_base_url:
        raise ConfigError("COS_BACKEND=openai needs the server's address: set COS_OPENAI_BASE_URL, e.g. "
                          "http://127.0.0.1:8000/v1")
    return OpenAIChatModel(
        model_name="" if settings.model_is_default else settings.model,
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key,
        adapter_selection=settings.openai_adapters,
        departments=tuple(departments),
        context_window_tokens=settings.openai_context_window,
        max_new_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
        repetition_penalty=settings.repetition_penalty,
    )


def engine_config(settings: Settings, departments: dict[str, Department], parallel: int = 1) -> EngineConfig:
    """What the llama.cpp engine should load now: the model, its slots and the departments' adapters."""
    from chief_of_staff.models.embedded import model_gguf
    from chief_of_staff.models.gguf_header import read_header
    from chief_of_staff.models.llamacpp_engine import EngineConfig
    from chief_of_staff.tinylora.llamacpp_adapters import engine_adapters

    gguf = model_gguf(settings.model, settings.models_folder, settings.catalogue_file)
    if gguf is None:
        raise ModelNotFoundError(
            f"the llamacpp backend serves GGUF files, and COS_MODEL={settings.model!r} is not one: "
            "`cos models use PATH.gguf`, `cos models use smollm2-135m`, or COS_BACKEND=transformers for a folder"
        )
    header = read_header(gguf)
    adapters, _ = engine_adapters(settings, departments, header) if departments else ((), {})
    context = min(settings.context_size, header.context_length or 2**31)
    return EngineConfig(model=gguf, context_per_slot=context, parallel=parallel, threads=settings.threads,
                        adapters=adapters, saved_prompts=saved_prompts_folder(settings, gguf, context))


def saved_prompts_folder(settings: Settings, gguf: Path, context: int) -> Path:
    """Where one-slot engines keep departments' prompts: per model file, context size and llama.cpp build."""
    import hashlib

    from chief_of_staff.models.llamacpp_engine import XLLAMACPP_VERSION

    stat = gguf.stat()
    identity = f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{context}:{XLLAMACPP_VERSION}"
    return settings.cache_dir / "llamacpp-prompts" / hashlib.sha256(identity.encode()).hexdigest()[:16]


def _llamacpp_model(settings: Settings, departments: dict[str, Department], parallel: int) -> LocalChatModel:
    from dataclasses import replace

    from chief_of_staff.models.embedded import gguf_display_name
    from chief_of_staff.models.llamacpp_chat import LlamaCppChatModel
    from chief_of_staff.models.llamacpp_engine import InsufficientMemoryError

    config = engine_config(settings, departments, parallel)
    options = {"model_name": gguf_display_name(config.model, settings.catalogue_file), "source": f"gguf:{config.model}",
               "stop_tokens": catalogue_stop_tokens(settings),
               "max_new_tokens": settings.max_new_tokens, "temperature": settings.temperature,
               "repetition_penalty": settings.repetition_penalty}
    try:
        return LlamaCppChatModel(config, **options)
    except InsufficientMemoryError:
        raise
    except ModelLoadError:
        if not config.adapters:
            raise
        LlamaCppChatModel(replace(config, adapters=(), parallel=1), **options)  # the model alone must load
    # The model loads alone but not with the adapters: find the ones llama.cpp refuses, drop their exports
    # (derived files: the next start writes them again) and answer without them.
    good = []
    for adapter in config.adapters:
        try:
            LlamaCppChatModel(replace(config, adapters=(adapter,), parallel=1), **options)
            good.append(adapter)
        except ModelLoadError as exc:
            log.warning("department %s answers without its adapter: llama.cpp cannot load %s (%s)",
                        adapter.department, adapter.gguf, exc)
            adapter.gguf.unlink(missing_ok=True)
    return LlamaCppChatModel(replace(config, adapters=tuple(good)), **options)


def catalogue_stop_tokens(settings: Settings) -> tuple[str, ...]:
    """The end-of-turn tokens the catalogue records for the model in use (none for a GGUF outside it)."""
    from chief_of_staff.models.catalogue import catalogue_entry, is_catalogue_name

    if not is_catalogue_name(settings.model, settings.catalogue_file):
        return ()
    return catalogue_entry(settings.model, settings.catalogue_file).stop


def _transformers_model(settings: Settings) -> LocalChatModel:
    from chief_of_staff.models.transformers_chat import TransformersChatModel

    model, tokenizer, source = load_weights(settings.model, settings)
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


def load_weights(model: str, settings: Settings):
    """The transformers weights of `model` (a catalogue name, GGUF or folder), one copy per process."""
    return _load_weights(model, settings.cache_dir, settings.use_model_cache, settings.models_folder,
                         settings.catalogue_file)


@lru_cache(maxsize=2)  # a server answers many requests on the same model
def _load_weights(model: str, cache_root: Path, use_cache: bool, models_dir: Path, catalogue_file: Path | None):
    from chief_of_staff.models.embedded import load_local_model

    return load_local_model(model, cache_root, use_cache, models_dir, catalogue_file)
