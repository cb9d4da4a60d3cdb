"""Any OpenAI-compatible chat-completions server as the local model (vLLM, SGLang, llama-server), streaming
tokens with their log-probabilities and usage: the backend a team uses to put its models on one GPU server.

The only module that imports `openai`. Per call, `department=NAME` answers with that department's adapter when
the server has it, chosen in one of the ways the `openai_adapters` setting names:

- "model" (vLLM `--lora-modules security=DIR`, SGLang `--lora-paths security=DIR`): the request's `model` is the
  department's name when the server lists a model of that name (GET /models), else the base model;
- "lora" (llama-server `--lora security.gguf --lora-init-without-apply`): the per-request `lora` field. The server's
  adapters (GET /lora-adapters) are matched to departments by file name. Every request lists every adapter with
  a scale, 1 only for its own department's, because llama.cpp applies all of them at their load-time scale when
  the list is empty (ggml-org/llama.cpp#28674);
- "none": the base model always.

Left to its default, the model is the first one the server lists that is not a department's adapter. The client
has no tokenizer, so `count_tokens` approximates one token per four characters, as the Ollama backend does.
`json_schema=SCHEMA` asks for structured output (both servers compile it to a grammar), `max_new_tokens=N` lowers
the token limit and `cancelled=Event` closes the stream between two chunks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

import openai
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import Field, PrivateAttr

from chief_of_staff.errors import BackendUnavailableError, ModelNotFoundError
from chief_of_staff.models.base import LocalChatModel, closing_chunk, token_chunk
from chief_of_staff.models.messages import to_role_dicts

CHARS_PER_TOKEN = 4  # a rule of thumb for English text with BPE tokenizers; the client has no tokenizer


@dataclass(frozen=True)
class ServedAdapter:
    """A department's adapter as the model server holds it."""

    department: str
    served_as: str  # the model name (vLLM, SGLang) or the adapter file (llama-server)
    params: int | None = None  # unknown: the server does not say how it was trained


@dataclass(frozen=True)
class ServerModels:
    """What the server serves: its base model, the departments' adapters, and llama-server's adapter ids."""

    base: str
    adapters: dict[str, ServedAdapter]
    lora_ids: dict[str, int]
    context_window: int | None


class OpenAIChatModel(LocalChatModel):
    """A model answered by an OpenAI-compatible server at `base_url`; nothing is loaded in this process."""

    model_name: str = Field("", description="The server's name of the base model; empty: the first it lists.")
    base_url: str = Field(description="The server's OpenAI API root, e.g. http://127.0.0.1:8000/v1.")
    api_key: str = Field("", description="The server's key, if it wants one.")
    adapter_selection: Literal["model", "lora", "none"] = "model"
    departments: tuple[str, ...] = ()  # the departments whose adapters the server may hold
    context_window_tokens: int = Field(8192, description="Context assumed when the server does not say.")
    timeout_s: float = 120.0
    _client: openai.OpenAI = PrivateAttr()
    _served: ServerModels | None = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.source:
            self.source = self.base_url
        # max_retries=0: a local model that does not answer should escalate now, not after the SDK's backoff
        self._client = openai.OpenAI(base_url=self.base_url, api_key=self.api_key or "none", timeout=self.timeout_s,
                                     max_retries=0)

    @property
    def _llm_type(self) -> str:
        return "openai"

    @property
    def device(self) -> str:
        return f"openai:{self.base_url}"

    @property
    def context_window(self) -> int:
        return self.served.context_window or self.context_window_tokens

    @property
    def adapters(self) -> dict[str, ServedAdapter]:
        """The departments' adapters the server holds, by department."""
        return self.served.adapters

    def count_tokens(self, text: str) -> int:
        """Approximate token count: ceil(characters / 4)."""
        return -(-len(text) // CHARS_PER_TOKEN)

    def truncate_to_tokens(self, text: str, max_tokens: int) -> str:
        """The first `max_tokens * 4` characters: `count_tokens` of the result is at most `max_tokens`."""
        return text[: max(max_tokens, 0) * CHARS_PER_TOKEN]

    @contextmanager
    def _errors_as_domain_errors(self) -> Iterator[None]:
        """Turn the client's errors into errors that say what to check."""
        where = f"the model server at {self.base_url}"
        try:
            yield
        except openai.AuthenticationError as error:
            raise BackendUnavailableError(f"{where} refused the key: set COS_OPENAI_API_KEY") from error
        except openai.NotFoundError as error:
            raise ModelNotFoundError(
                f"{where} has no model {self.model_name!r} ({_message(error)}): set COS_MODEL to a name its "
                "/models lists, or leave it unset for the server's first model"
            ) from error
        except openai.APITimeoutError as error:
            raise BackendUnavailableError(
                f"{where} did not answer within {self.timeout_s:g} s: check the server's load"
            ) from error
        except openai.APIConnectionError as error:
            self._served = None  # a restarted server may hold other adapters: ask again on the next answer
            raise BackendUnavailableError(
                f"cannot reach {where}: start it, or check COS_OPENAI_BASE_URL"
            ) from error
        except openai.APIStatusError as error:
            raise BackendUnavailableError(
                f"{where} refused the request ({error.status_code}): {_message(error)}"
            ) from error

    @property
    def served(self) -> ServerModels:
        """What the server serves, asked once (the first answer's request, or `cos models info`)."""
        if self._served is None:
            self._served = self._ask_server()
        return self._served

    def _ask_server(self) -> ServerModels:
        with self._errors_as_domain_errors():
            listed = list(self._client.models.list())
            ids = [m.id for m in listed]
            lora, slot_context = self._llama_server() if self.adapter_selection == "lora" else ([], None)
        wanted = set(self.departments)
        adapters, lora_ids = {}, {}
        if self.adapter_selection == "model":
            adapters = {name: ServedAdapter(name, name) for name in ids if name in wanted}
        for entry in lora:  # llama-server: {"id": 0, "path": "/srv/adapters/security.gguf", "scale": 0.0}
            department = PurePosixPath(str(entry.get("path", "")).replace("\\", "/")).stem
            lora_ids[department] = int(entry["id"])
            if department in wanted:
                adapters[department] = ServedAdapter(department, str(entry["path"]))
        base = self.model_name or next((name for name in ids if name not in adapters), "")
        if not base:
            raise ModelNotFoundError(f"the model server at {self.base_url} lists no model: check its log")
        card = next((m for m in listed if m.id == base), None)
        context = getattr(card, "max_model_len", None) or slot_context  # vLLM's, or llama-server's per slot
        if not self.model_name:
            self.model_name = base
        return ServerModels(base, adapters, lora_ids, int(context) if context else None)

    def _llama_server(self) -> tuple[list[dict[str, Any]], int | None]:
        """llama-server's loaded adapters and context per slot (GET /lora-adapters and /props, beside /v1)."""
        root = self.base_url.removesuffix("/v1")
        adapters = self._client.get(f"{root}/lora-adapters", cast_to=object)
        props = self._client.get(f"{root}/props", cast_to=object)
        context = ((props or {}).get("default_generation_settings") or {}).get("n_ctx")
        return (adapters if isinstance(adapters, list) else []), context

    def request(self, messages: list[BaseMessage], department: str | None, max_new_tokens: int | None,
                stop: list[str] | None = None, json_schema: dict | None = None) -> dict[str, Any]:
        """The chat-completions arguments for one answer (public: the tests check what a server receives)."""
        served = self.served
        own = served.adapters.get(department) if department else None
        extra: dict[str, Any] = {
            "repetition_penalty": self.repetition_penalty,  # vLLM and SGLang
            "repeat_penalty": self.repetition_penalty,  # llama-server
        }
        if served.lora_ids:
            extra["lora"] = [{"id": i, "scale": 1.0 if own and name == department else 0.0}
                             for name, i in served.lora_ids.items()]
        arguments: dict[str, Any] = {
            "model": own.served_as if own and self.adapter_selection == "model" else served.base,
            "messages": to_role_dicts(messages),
            "max_tokens": max_new_tokens or self.max_new_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
            "logprobs": True,
            "stream": True,
            "stream_options": {"include_usage": True},
            "extra_body": extra,
        }
        if stop:
            arguments["stop"] = stop
        if json_schema:
            arguments["response_format"] = {"type": "json_schema",
                                            "json_schema": {"name": "answer", "schema": json_schema}}
        return arguments

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        started = time.perf_counter()
        cancelled = kwargs.get("cancelled")  # a threading.Event the caller sets on Ctrl-C or a client gone
        finish_reason, usage, produced = None, None, 0
        with self._errors_as_domain_errors():
            arguments = self.request(messages, kwargs.get("department"), kwargs.get("max_new_tokens"), stop,
                                     kwargs.get("json_schema"))
            with self._client.chat.completions.create(**arguments) as stream:
                for chunk in stream:
                    if cancelled is not None and cancelled.is_set():
                        finish_reason = "stopped"
                        break
                    usage = chunk.usage or usage
                    for choice in chunk.choices:
                        finish_reason = choice.finish_reason or finish_reason
                        delta = (choice.delta.content or "") if choice.delta else ""
                        tokens = (choice.logprobs.content or []) if choice.logprobs else []
                        logprobs = [{"token": t.token, "logprob": t.logprob} for t in tokens]
                        if not delta and not logprobs:
                            continue
                        produced += len(logprobs)
                        piece = token_chunk(delta, logprobs)
                        if run_manager and delta:
                            run_manager.on_llm_new_token(delta, chunk=piece)
                        yield piece
        if finish_reason is None:
            raise BackendUnavailableError(
                f"the model server at {self.base_url} closed the stream before the answer finished: check its log"
            )
        details = getattr(usage, "prompt_tokens_details", None)
        yield closing_chunk(
            model_name=self.model_name,  # the base model: the trace names the adapter apart
            backend="openai",
            finish_reason=finish_reason,
            started=started,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else produced,
            cached_tokens=getattr(details, "cached_tokens", None),
        )


def _message(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        return str(inner.get("message", inner)) if isinstance(inner, dict) else str(inner)
    return str(error.message)
