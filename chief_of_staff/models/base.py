"""The interface every local backend implements: a streaming langchain-core chat model that also knows its
context window and token counts (the graph fits prompts with them), and the chunk shapes both backends emit.

A backend implements `_stream`, yielding `token_chunk(...)` per piece of text and one `closing_chunk(...)`
at the end; `_generate` is derived from it. Log-probabilities travel in each chunk's response_metadata and
are concatenated by langchain-core when chunks merge; strings such as model_name go only in the closing chunk
(langchain-core would concatenate those too).
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field


def token_chunk(delta: str, logprobs: list[dict[str, Any]]) -> ChatGenerationChunk:
    """A piece of the answer with the log-probabilities of the tokens that produced it."""
    return ChatGenerationChunk(message=AIMessageChunk(content=delta, response_metadata={"logprobs": logprobs}))


def closing_chunk(
    *, model_name: str, backend: str, finish_reason: str, started: float, input_tokens: int, output_tokens: int,
    cached_tokens: int | None = None,
) -> ChatGenerationChunk:
    """The last chunk: usage (with the prompt tokens read from a cache, where the backend says) and where the
    answer came from."""
    usage = {"input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": input_tokens + output_tokens}
    if cached_tokens is not None:
        usage["input_token_details"] = {"cache_read": cached_tokens}
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content="",
            chunk_position="last",  # else langchain's stream() appends an empty chunk of its own
            usage_metadata=usage,
            response_metadata={
                "model_name": model_name,
                "backend": backend,
                "finish_reason": finish_reason,
                "generation_s": round(time.perf_counter() - started, 4),
            },
        )
    )


class LocalChatModel(BaseChatModel):
    """Base of the local backends: `_generate` collects `_stream`; subclasses add the token-budget surface."""

    model_name: str
    source: str = ""
    max_new_tokens: int = Field(192, description="Most tokens to generate; a call's `max_new_tokens` may lower it.")
    temperature: float = Field(0.0, description="Sampling temperature; 0 is greedy.")
    repetition_penalty: float = Field(1.15, description="Penalty on tokens already generated.")
    seed: int = Field(0, description="Sampling seed (reproducible samples for agreement checks).")

    @property
    def context_window(self) -> int:
        raise NotImplementedError

    @property
    def parameter_count(self) -> int | None:
        return None

    @property
    def device(self) -> str:
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        raise NotImplementedError

    def native_tool_call(self, messages: list[BaseMessage], tools: list[Any]) -> tuple[str, dict] | None:
        """The (tool name, arguments) the model calls through its server's own tool calling, or None when it calls
        none. Only backends with native tool calling override this (Ollama); the others say they have none."""
        raise NotImplementedError(f"{self._llm_type} has no native tool calling")

    @property
    def has_native_tools(self) -> bool:
        """Whether `native_tool_call` can be used for this model."""
        return False

    def truncate_to_tokens(self, text: str, max_tokens: int) -> str:
        raise NotImplementedError

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
