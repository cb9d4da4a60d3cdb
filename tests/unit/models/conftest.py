"""The embedded SmolLM2 GGUF on llama.cpp, loaded once per module: it loads in under a second."""

from __future__ import annotations

import pytest

from chief_of_staff.models.embedded import EMBEDDED_NAME, embedded_gguf
from chief_of_staff.models.llamacpp_chat import LlamaCppChatModel
from chief_of_staff.models.llamacpp_engine import EngineConfig


@pytest.fixture(scope="module")
def llama():
    return LlamaCppChatModel(EngineConfig(embedded_gguf(), context_per_slot=1024, threads=2),
                             model_name=EMBEDDED_NAME, max_new_tokens=16, repetition_penalty=1.0)
