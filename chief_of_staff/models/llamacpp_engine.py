"""llama.cpp in this process: one xllamacpp server (llama-server's C++ engine, without its HTTP front end in our
path) holding the model, its parallel slots and every department's GGUF LoRA adapter.

The only module that imports `xllamacpp`. Requests are llama-server's OpenAI-style bodies; each names the
adapters it wants with llama-server's per-request `lora` field. Two open llama.cpp bugs shape how we send it:

- an empty `lora` list is treated as absent, which applies every adapter at its load-time scale
  (ggml-org/llama.cpp#28674): adapters are loaded at scale 0, and every request lists every adapter's id
  with a scale (0 for all but its own department's);
- a prompt cached in RAM under one adapter is restored for another (ggml-org/llama.cpp#26207): its cache
  is keyed by tokens only. With adapters loaded the RAM prompt cache is off. A slot's own cache stays on:
  llama.cpp clears it when the next request's adapters differ, so a department's next turn still reuses
  its system prompt.
tests/unit/tinylora/test_gguf_lora.py proves neither bites, and that #26207 does with the RAM cache on.

A one-slot engine (`cos chat`, `cos ask`) keeps each department's prompt on disk: after a department's first
answer in a process, llama.cpp saves the slot (its tokens and KV cache, about 8 MB for a 350-token prompt), and a
later process restores it before that department's next answer, so the system prompt is not read again: the first
token of a cold `cos ask` comes 1.3 s sooner on 2 cores. The files are keyed by the model file, the department and
its adapter; llama.cpp reuses only the tokens that match the new prompt, so an edited prompt costs nothing wrong.

xllamacpp always starts llama-server's HTTP listener too. We bind it to 127.0.0.1 on a free port and give it a
random key that only this process knows, so no other program on the machine can use the model, change adapter
scales or read saved slots; we use it only for /tokenize and the slot's save and restore, which the Python API
does not expose. The saved prompts are for one-slot engines that answer one turn at a time (`cos chat`,
`cos ask`, `cos serve` with COS_PARALLEL=1, whose slot admits one turn); other engines save none.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from chief_of_staff.errors import ModelLoadError
from chief_of_staff.models.gguf_header import GgufHeader, read_header

XLLAMACPP_VERSION = "2026.10.11549"  # pinned in pyproject.toml: the request fields and bugs above are this build's
RAM_PROMPT_CACHE_WITH_ADAPTERS_MIB: int | None = 0  # llama.cpp#26207; None keeps llama.cpp's default (8 GiB)
QUIET = 0  # llama.cpp log threshold: nothing (our own errors say what failed)
log = logging.getLogger(__name__)


class InsufficientMemoryError(ModelLoadError):
    """The model and its context would not fit in the memory this machine has free."""


@dataclass(frozen=True)
class EngineAdapter:
    """A department's adapter as llama.cpp loads it."""

    department: str
    gguf: Path
    params: int  # trainable parameters of the TinyLoRA adapter it came from


@dataclass(frozen=True)
class EngineConfig:
    model: Path
    context_per_slot: int = 4096  # tokens each parallel answer may use (prompt and answer)
    parallel: int = 1  # slots: answers generated at once
    threads: int = 0  # 0: llama.cpp's choice (the physical cores)
    adapters: tuple[EngineAdapter, ...] = ()
    saved_prompts: Path | None = None  # a folder for the departments' saved prompts (one slot only)
    # `cos models serve` opens the listener to replicas: where it listens, its key and the model's served name.
    # Left as they are, it is this process's own: loopback, a free port and a random key.
    host: str = "127.0.0.1"
    port: int = 0
    api_key: str = ""
    served_name: str = ""


def available_memory_bytes() -> int:
    import psutil

    return int(psutil.virtual_memory().available)


def check_memory(header: GgufHeader, context_tokens: int, available: int | None = None) -> None:
    """Refuse to start when the weights plus the KV cache exceed the free memory (llama.cpp would be killed)."""
    needed = header.size_bytes + header.kv_bytes_per_token() * context_tokens
    available = available_memory_bytes() if available is None else available
    if needed > available:
        raise InsufficientMemoryError(
            f"{header.path.name} needs about {needed / 2**30:.1f} GiB ({header.size_bytes / 2**30:.1f} GiB of "
            f"weights and {context_tokens:,} tokens of context) and only {available / 2**30:.1f} GiB is free; "
            "close other programs, lower COS_CONTEXT_SIZE or COS_PARALLEL, or `cos models use embedded`"
        )


class LlamaEngine:
    """One loaded GGUF with its adapters. Requests may come from many threads (llama.cpp schedules them on its
    slots); saving and restoring prompts assumes one turn at a time (module docstring)."""

    def __init__(self, config: EngineConfig) -> None:
        import xllamacpp as xlc

        self.config = config
        self.header = read_header(config.model)
        if self.header.file_type != "model":
            raise ModelLoadError(f"{config.model} is a GGUF {self.header.file_type}, not a model")
        context = config.context_per_slot * config.parallel
        check_memory(self.header, context)
        params = xlc.CommonParams()
        params.verbosity = QUIET
        params.model.path = str(config.model)
        params.n_ctx = context
        params.n_parallel = config.parallel
        params.use_jinja = True  # the GGUF's own chat template, as transformers applies it
        params.warmup = False
        params.hostnames = [config.host]  # by default for this process only (see the module docstring)
        params.port = config.port
        key = config.api_key or secrets.token_urlsafe(32)
        params.api_keys = [key]
        if config.served_name:
            params.model_alias = {config.served_name}
        if config.threads:
            params.cpuparams.n_threads = params.cpuparams_batch.n_threads = config.threads
        self._prompts = config.saved_prompts if config.parallel == 1 else None
        if self._prompts is not None:
            self._prompts.mkdir(parents=True, exist_ok=True)
            params.slot_save_path = f"{self._prompts}/"
        if config.adapters:
            params.lora_adapters = [xlc.CommonAdapterLoraInfo(str(a.gguf), 0.0) for a in config.adapters]
            params.lora_init_without_apply = True
            if RAM_PROMPT_CACHE_WITH_ADAPTERS_MIB is not None:
                params.cache_ram_mib = RAM_PROMPT_CACHE_WITH_ADAPTERS_MIB
        try:
            self._server = xlc.Server(params)
        except RuntimeError as exc:
            raise ModelLoadError(
                f"llama.cpp could not load {config.model} ({self.header.architecture}, "
                f"{self.header.size_bytes / 2**20:.0f} MiB)"
                + (f" with the adapters {', '.join(str(a.gguf) for a in config.adapters)}" if config.adapters
                   else "")
                + ": the file may be damaged or truncated; check it, or `cos models use embedded`"
            ) from exc
        self._http = httpx.Client(base_url=self._server.listening_address, timeout=30.0,
                                  headers={"Authorization": f"Bearer {key}"})
        self._ids = {a.department: i for i, a in enumerate(config.adapters)}
        self._slot_holds: str | None = None  # whose prompt the one slot holds now
        self._saved: set[str] = set()  # prompts saved by this process

    @property
    def adapters(self) -> dict[str, EngineAdapter]:
        return {a.department: a for a in self.config.adapters}

    @property
    def address(self) -> str:
        """Where llama-server's HTTP listener answers (http://host:port)."""
        return self._server.listening_address

    def _prompt_file(self, department: str) -> str:
        adapter = self.adapters.get(department)
        name = f"{department}-{adapter.gguf.stem if adapter else 'base'}.bin"
        return "".join(c if c.isalnum() or c in "-._" else "_" for c in name)

    def restore_prompt(self, department: str | None) -> None:
        """Before an answer: put `department`'s saved prompt in the slot, unless the slot holds it already."""
        if self._prompts is None or department is None or self._slot_holds == department:
            return
        self._slot_holds = department
        name = self._prompt_file(department)
        if (self._prompts / name).is_file():
            response = self._post("/slots/0?action=restore", {"filename": name})
            if response.status_code != 200:  # written by another llama.cpp build, damaged: answer without it
                log.warning("saved prompt %s not restored (%s); removing it", name, response.text[:200])
                (self._prompts / name).unlink(missing_ok=True)

    def save_prompt(self, department: str | None) -> None:
        """After a finished answer: save the slot for the next process, once per department and process."""
        if self._prompts is None or department is None or department in self._saved:
            return
        self._saved.add(department)
        name = self._prompt_file(department)
        response = self._post("/slots/0?action=save", {"filename": name})
        if response.status_code != 200:
            log.warning("prompt of %s not saved: %s", department, response.text[:200])
            return
        mine = re.compile(rf"{re.escape(department)}-(base|adapter\.[0-9a-f]+)\.bin")
        for stale in self._prompts.iterdir():  # saved under an adapter it no longer has
            if stale.name != name and mine.fullmatch(stale.name):
                stale.unlink(missing_ok=True)

    def request_fields(self, department: str | None) -> dict[str, Any]:
        """The per-request adapter choice: every loaded adapter's id with a scale, 1 only for `department`'s."""
        if not self._ids:
            return {}
        return {"lora": [{"id": i, "scale": 1.0 if name == department else 0.0} for name, i in self._ids.items()]}

    def chat(self, body: dict[str, Any], on_chunk: Callable[[dict[str, Any]], bool]) -> None:
        """Stream a chat completion; `on_chunk` gets each parsed chunk and returns True to stop."""
        self._server.handle_chat_completions({**body, "stream": True}, on_chunk)

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streaming completion (prompt as text or token ids), as llama-server's /completion answers."""
        return self._server.handle_completions(body)

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        try:
            return self._http.post(path, json=body)
        except (httpx.HTTPError, RuntimeError) as exc:  # RuntimeError: the client closed by a reload
            raise ModelLoadError(f"llama.cpp's engine did not answer {path}: {exc}") from exc

    def tokenize(self, text: str) -> list[int]:
        response = self._post("/tokenize", {"content": text, "add_special": False})
        if response.status_code != 200:
            raise ModelLoadError(f"llama.cpp could not tokenize the prompt: {response.text[:200]}")
        return response.json()["tokens"]

    def detokenize(self, tokens: list[int]) -> str:
        response = self._post("/detokenize", {"tokens": tokens})
        if response.status_code != 200:
            raise ModelLoadError(f"llama.cpp could not detokenize: {response.text[:200]}")
        return response.json()["content"]

    def close(self) -> None:
        self._http.close()

