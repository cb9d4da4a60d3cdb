"""llama.cpp backend as a langchain-core chat model: streams tokens with their log-probabilities, usage, stop
and cancel, on an in-process LlamaEngine (models/llamacpp_engine.py). The default backend.

Per call, `json_schema=SCHEMA` constrains the answer to JSON of that schema (llama.cpp's grammar),
`department=NAME` answers with that department's adapter when one is loaded (every other adapter at
scale 0) and reuses its saved prompt (models/llamacpp_engine.py),
`max_new_tokens=N` lowers the token limit and `cancelled=Event` stops between two tokens, so nothing about a
turn is stored on the model: parallel turns share one instance. `reload(config)` swaps the engine between
turns (a new or retrained adapter); an answer already streaming finishes on the engine it started on.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import ConfigDict, PrivateAttr

from chief_of_staff.errors import ChiefOfStaffError, ModelLoadError
from chief_of_staff.models.base import LocalChatModel, closing_chunk, token_chunk
from chief_of_staff.models.llamacpp_engine import EngineConfig, LlamaEngine
from chief_of_staff.models.messages import to_role_dicts

_DONE = object()


class ContextOverflowError(ChiefOfStaffError):
    """The prompt does not fit the model's context window."""


class LlamaCppChatModel(LocalChatModel):
    """A GGUF answered by llama.cpp in this process."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    stop_tokens: tuple[str, ...] = ()  # the model's end-of-turn tokens from its catalogue entry, sent as stops

    _engine: LlamaEngine = PrivateAttr()

    def __init__(self, config: EngineConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._engine = LlamaEngine(config)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def engine(self) -> LlamaEngine:
        return self._engine

    @property
    def adapters(self) -> dict[str, Any]:
        """The departments' adapters loaded in the engine, by department."""
        return self._engine.adapters

    def reload(self, config: EngineConfig) -> None:
        """Load `config` (new adapters) in a fresh engine and answer on it from the next call on."""
        self._engine = LlamaEngine(config)  # one assignment: a call sees the old engine or the new one
        # The old engine is not closed here: an answer streaming on it, or counting tokens with it, finishes
        # there; its C++ server and HTTP client go when the last of them lets go of it.

    @property
    def context_window(self) -> int:
        return self._engine.config.context_per_slot

    @property
    def parameter_count(self) -> int:
        return self._engine.header.parameters

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def architecture(self) -> str:
        return self._engine.header.architecture

    def count_tokens(self, text: str) -> int:
        return len(self._engine.tokenize(text))

    def truncate_to_tokens(self, text: str, max_tokens: int) -> str:
        ids = self._engine.tokenize(text)
        return text if len(ids) <= max_tokens else self._engine.detokenize(ids[:max_tokens])

    def request(self, messages: list[BaseMessage], department: str | None, max_new_tokens: int | None,
                engine: LlamaEngine | None = None) -> dict[str, Any]:
        """llama-server's chat-completions body for one answer (public: the benchmarks send it raw)."""
        return {
            "messages": to_role_dicts(messages),
            "max_tokens": max_new_tokens or self.max_new_tokens,
            "temperature": self.temperature,
            "repeat_penalty": self.repetition_penalty,
            "seed": self.seed,
            "logprobs": True,
            "stream_options": {"include_usage": True},
            **({"stop": list(self.stop_tokens)} if self.stop_tokens else {}),
            **(engine or self._engine).request_fields(department),
        }

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        engine = self._engine  # this answer stays on the engine it started on, even across a reload
        department = kwargs.get("department")
        body = self.request(messages, department, kwargs.get("max_new_tokens"), engine)
        if stop:
            body["stop"] = [*body.get("stop", []), *stop]
        if kwargs.get("json_schema"):  # llama.cpp compiles the schema to a grammar: only valid JSON can come out
            body["response_format"] = {"type": "json_schema", "json_schema": {"schema": kwargs["json_schema"]}}
        cancelled: threading.Event | None = kwargs.get("cancelled")  # set by the caller on Ctrl-C or a client gone
        started = time.perf_counter()
        chunks: queue.Queue = queue.Queue()
        consumer_gone = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)
            return consumer_gone.is_set() or (cancelled is not None and cancelled.is_set())

        def produce() -> None:
            try:
                engine.chat(body, on_chunk)
            except Exception as exc:  # noqa: BLE001 - handed to the consumer, which raises it
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        engine.restore_prompt(department)
        # xllamacpp calls on_chunk on the calling thread until the answer ends: a worker turns it into a generator
        threading.Thread(target=produce, name="cos-llamacpp", daemon=True).start()
        finish_reason, usage, produced = None, {}, 0
        try:
            while (chunk := chunks.get()) is not _DONE:
                if isinstance(chunk, Exception):
                    raise ModelLoadError(f"llama.cpp failed while answering: {chunk}") from chunk
                if "error" in chunk:
                    raise _request_error(chunk["error"])
                usage = chunk.get("usage") or usage
                for choice in chunk.get("choices", []):
                    finish_reason = choice.get("finish_reason") or finish_reason
                    delta = (choice.get("delta") or {}).get("content") or ""
                    logprobs = [{"token": lp["token"], "logprob": lp["logprob"]}
                                for lp in (choice.get("logprobs") or {}).get("content") or []]
                    if not delta and not logprobs:
                        continue
                    produced += len(logprobs)
                    piece = token_chunk(delta, logprobs)
                    if run_manager and delta:
                        run_manager.on_llm_new_token(delta, chunk=piece)
                    yield piece
        finally:
            consumer_gone.set()
        if cancelled is not None and cancelled.is_set():
            finish_reason = "stopped"
        else:
            engine.save_prompt(department)
        yield closing_chunk(
            model_name=self.model_name,
            backend="llamacpp",
            finish_reason=finish_reason or "stopped",
            started=started,
            input_tokens=int(usage.get("prompt_tokens", 0)),
            output_tokens=int(usage.get("completion_tokens", produced)),
            cached_tokens=int((usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)),
        )


def _request_error(error: dict[str, Any]) -> ChiefOfStaffError:
    if error.get("type") == "exceed_context_size_error":
        return ContextOverflowError(
            f"the prompt is {error.get('n_prompt_tokens')} tokens and the model's context holds "
            f"{error.get('n_ctx')}: shorten the task, start a new thread, or raise COS_CONTEXT_SIZE"
        )
    return ModelLoadError(f"llama.cpp refused the request: {error.get('message', error)}")
