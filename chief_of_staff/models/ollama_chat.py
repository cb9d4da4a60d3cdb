"""Ollama server backend as a langchain-core chat model, streaming tokens with their log-probabilities.

The only module that imports `ollama`: it owns the HTTP conversation with an Ollama server (chat and show)
and turns the client's errors into domain errors a user can act on. Its public surface mirrors
TransformersChatModel so the graph never needs to know which backend answers. Where it departs: Ollama's
client exposes no tokenizer, so `count_tokens` and `truncate_to_tokens` approximate one token per four
characters, and `parameter_count` is unknown (None; `info()` gives Ollama's rounded "parameter_size" instead).
A model whose capabilities include "tools" chooses a department's tool by Ollama's native tool calling.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import ollama
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, PrivateAttr

from chief_of_staff.errors import BackendUnavailableError, ModelNotFoundError
from chief_of_staff.models.base import LocalChatModel, closing_chunk, token_chunk
from chief_of_staff.models.messages import to_role_dicts

DEFAULT_HOST = "http://127.0.0.1:11434"
TOOL_CALL_TOKENS = 256  # enough for one call's name and arguments
CHARS_PER_TOKEN = 4  # a common rule of thumb for English text with BPE tokenizers; only an approximation


class OllamaChatModel(LocalChatModel):
    """A model served by Ollama at `host`; nothing is loaded in this process."""

    model_name: str = Field(description="Ollama model name, as `ollama list` shows it (e.g. 'smollm2:135m').")
    host: str = Field(DEFAULT_HOST, description="Base URL of the Ollama server.")
    context_window_tokens: int = Field(8192, description="Context length the server allocates (num_ctx).")
    timeout_s: float = Field(120.0, description="Seconds to wait for the server before giving up.")
    _client: ollama.Client = PrivateAttr()
    _native_tools: bool | None = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.source:
            self.source = self.host
        self._client = ollama.Client(host=self.host, timeout=self.timeout_s)

    @property
    def _llm_type(self) -> str:
        return "ollama"

    @property
    def context_window(self) -> int:
        return self.context_window_tokens

    @property
    def device(self) -> str:
        return f"ollama:{self.host}"

    def count_tokens(self, text: str) -> int:
        """Approximate token count: ceil(characters / 4). Ollama's client has no tokenizer to ask."""
        return -(-len(text) // CHARS_PER_TOKEN)

    def truncate_to_tokens(self, text: str, max_tokens: int) -> str:
        """The first `max_tokens * 4` characters: `count_tokens` of the result is at most `max_tokens`."""
        return text[: max(max_tokens, 0) * CHARS_PER_TOKEN]

    @contextmanager
    def _errors_as_domain_errors(self) -> Iterator[None]:
        """Turn the client's connection and response errors into errors that say how to fix them."""
        try:
            yield
        except ollama.ResponseError as error:
            if error.status_code == 404:
                name = self.model_name
                raise ModelNotFoundError(
                    f"Ollama has no model '{name}': run `ollama pull {name}` or set COS_MODEL"
                ) from error
            raise BackendUnavailableError(
                f"Ollama at {self.host} refused the request: {error.error}"
            ) from error
        except (httpx.ConnectError, ConnectionError) as error:
            # Streaming requests let httpx.ConnectError through; others wrap it in ConnectionError.
            raise BackendUnavailableError(
                f"cannot reach Ollama at {self.host}: start Ollama with `ollama serve` or set COS_OLLAMA_HOST"
            ) from error
        except httpx.TimeoutException as error:
            raise BackendUnavailableError(
                f"Ollama at {self.host} did not answer within {self.timeout_s:g} s: "
                "check the server's load or raise the timeout"
            ) from error

    def info(self) -> dict[str, Any]:
        """What the server says of the model: name, family, parameter_size, quantization, context_length."""
        with self._errors_as_domain_errors():
            shown = self._client.show(self.model_name)
        details = shown.details
        model_info = dict(shown.modelinfo or {})
        architecture = model_info.get("general.architecture") or (details.family if details else None)
        context_length = model_info.get(f"{architecture}.context_length") or next(
            (v for k, v in model_info.items() if k.endswith(".context_length")), None
        )
        found = {
            "name": self.model_name,
            "family": details.family if details else None,
            "parameter_size": details.parameter_size if details else None,
            "quantization": details.quantization_level if details else None,
            "context_length": context_length,
        }
        return {key: value for key, value in found.items() if value is not None}

    @property
    def has_native_tools(self) -> bool:
        """Whether the server lists "tools" among this model's capabilities (asked once; False if it cannot say)."""
        if self._native_tools is None:
            try:
                with self._errors_as_domain_errors():
                    self._native_tools = "tools" in (self._client.show(self.model_name).capabilities or [])
            except BackendUnavailableError:
                return False  # the turn's own request will report the server's state
        return self._native_tools

    def native_tool_call(self, messages: list[BaseMessage], tools: list[Any]) -> tuple[str, dict] | None:
        """The first tool call of one non-streamed chat offering `tools` (Ollama's native tool calling)."""
        with self._errors_as_domain_errors():
            reply = self._client.chat(
                model=self.model_name,
                messages=to_role_dicts(messages),
                tools=[convert_to_openai_tool(tool) for tool in tools],
                stream=False,
                options=self._options(None, TOOL_CALL_TOKENS),
            )
        calls = reply.message.tool_calls or []
        return (calls[0].function.name, dict(calls[0].function.arguments)) if calls else None

    def _options(self, stop: list[str] | None, max_new_tokens: int | None) -> dict[str, Any]:
        options: dict[str, Any] = {
            "num_predict": max_new_tokens or self.max_new_tokens,
            "temperature": self.temperature,
            "repeat_penalty": self.repetition_penalty,
            "num_ctx": self.context_window_tokens,
        }
        if stop:  # the client sends None values inside options as JSON null; leave the key out instead
            options["stop"] = stop
        return options

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        started = time.perf_counter()
        final: ollama.ChatResponse | None = None
        with self._errors_as_domain_errors():
            # The client sends nothing until iterated, so connection and 404 errors surface inside the loop.
            parts = self._client.chat(
                model=self.model_name,
                messages=to_role_dicts(messages),
                stream=True,
                logprobs=True,
                options=self._options(stop, kwargs.get("max_new_tokens")),
                **({"format": kwargs["json_schema"]} if kwargs.get("json_schema") else {}),  # Ollama's grammar
            )
            cancelled = kwargs.get("cancelled")  # a threading.Event the caller sets on Ctrl-C
            for part in parts:
                if cancelled is not None and cancelled.is_set():
                    yield closing_chunk(model_name=self.model_name, backend="ollama", finish_reason="stopped",
                                        started=started, input_tokens=0, output_tokens=0)
                    return
                delta = part.message.content or ""
                logprobs = [{"token": lp.token, "logprob": lp.logprob} for lp in part.logprobs or []]
                if part.done:
                    final = part
                if part.done and not delta and not logprobs:
                    continue  # the closing part carries only statistics
                chunk = token_chunk(delta, logprobs)
                if run_manager and delta:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
        if final is None:
            raise BackendUnavailableError(
                f"Ollama at {self.host} closed the stream before the answer finished: check the server log"
            )
        yield closing_chunk(
            model_name=self.model_name,
            backend="ollama",
            finish_reason=final.done_reason or "stop",
            started=started,
            input_tokens=final.prompt_eval_count or 0,
            output_tokens=final.eval_count or 0,
        )
