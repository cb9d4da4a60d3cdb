"""Shared fixtures: an isolated configuration per test, a tiny random Llama with SmolLM2's real tokenizer, and
Claude as the real anthropic SDK talking to a fake Messages API on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from chief_of_staff.escalation.calibration import Calibration, save_calibration
from chief_of_staff.models import catalogue
from chief_of_staff.settings import load_settings
from tests.fakes.anthropic_server import DEFAULT_API_KEY, FakeAnthropicServer

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own data dir, no user config file and no pulled models, and answers on the tiny model
    (the default, the 1.5B, has its own integration test); the model cache is shared (it is a cache)."""
    for var in ("COS_BACKEND", "COS_MODEL", "COS_TRAIN_MODEL", "COS_MODELS_DIR", "COS_CATALOGUE_FILE", "COS_PARALLEL",
                "COS_CONTEXT_SIZE", "COS_THREADS", "COS_DEPARTMENTS_PATH", "COS_STRICT_PLUGINS", "COS_MAX_NEW_TOKENS",
                "COS_OFFLINE", "COS_OPENAI_BASE_URL", "COS_OPENAI_API_KEY", "COS_OPENAI_ADAPTERS",
                "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)  # no test may reach the real Claude API by accident
    monkeypatch.setenv("COS_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("COS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COS_MODEL", "smollm2-135m")
    monkeypatch.setattr(catalogue, "_fallbacks_said", set())  # each test hears the once-per-process fallback warning
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture()
def claude(monkeypatch: pytest.MonkeyPatch):
    """A fake Messages API that answers every call with a caption; the SDK pointed at it, no retries."""
    with FakeAnthropicServer(answer="Fresh tulips, here today. #Bloom") as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", DEFAULT_API_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("COS_CLAUDE_MAX_RETRIES", "0")
        yield server


@pytest.fixture()
def unsure(isolated_config: Path) -> None:
    """content, security and general calibrated at a threshold of 1.0: the tiny model is never that sure."""
    for name in ("content", "security", "general"):
        save_calibration(isolated_config / "data", Calibration(
            department=name, threshold=1.0, target_accuracy=0.9, local_share=0.0, local_accuracy=None,
            base_accuracy=0.0, auroc=None, n=1))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random Llama (context 512 tokens) saved with the embedded model's tokenizer."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from chief_of_staff.models.embedded import embedded_gguf

    folder = tmp_path_factory.mktemp("tiny-llama")
    gguf = embedded_gguf()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture()
def tiny_settings(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """The tiny model on the transformers backend: for tests of the graph, CLI and server around the model.
    llama.cpp's own tests answer on the embedded GGUF (tests/unit/models/test_llamacpp_*.py)."""
    monkeypatch.setenv("COS_BACKEND", "transformers")
    monkeypatch.setenv("COS_MODEL", str(tiny_model_dir))
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "12")
    return load_settings()


@pytest.fixture(scope="module")
def chat_model(tiny_model_dir: Path):
    """The tiny model as the graph's local chat model, 6 new tokens an answer."""
    from chief_of_staff.models.embedded import load_folder
    from chief_of_staff.models.transformers_chat import TransformersChatModel

    weights, tokenizer = load_folder(tiny_model_dir)
    return TransformersChatModel(weights, tokenizer, device="cpu", model_name="tiny", max_new_tokens=6)


@pytest.fixture(scope="module")
def departments():
    """The built-in departments (and the installed example plugin), as the graph sees them."""
    from chief_of_staff.plugins.discovery import discover_departments

    return discover_departments(load_settings()).departments


@pytest.fixture(scope="session")
def embedded_transformers():
    """The embedded model's transformers form (the safetensors cache setup converts) and its TinyLoRA skeleton."""
    from chief_of_staff.models.embedded import load_embedded
    from chief_of_staff.tinylora.skeleton import build_skeleton

    cache_dir = load_settings().cache_dir
    model, tokenizer, _ = load_embedded(cache_dir)
    return model, tokenizer, build_skeleton(model, 2, cache_dir)


@pytest.fixture(scope="session")
def make_adapter(embedded_transformers):
    """make_adapter(department, seed) -> a TinyLoRA adapter of the embedded model with random v (13 parameters,
    scale 0.05): it moves the answer's log-probabilities by about 1 nat a token and still writes English."""
    from chief_of_staff.tinylora.adapter_file import Adapter
    from chief_of_staff.tinylora.spec import TinyLoraSpec

    _, _, skeleton = embedded_transformers

    def make(department: str, seed: int = 0, scale: float = 0.05) -> Adapter:
        spec = TinyLoraSpec(u=13)
        v = torch.randn(1, 13, generator=torch.Generator().manual_seed(seed)) * scale  # (groups, u)
        return Adapter(department, spec, v, skeleton.base_fingerprint, skeleton.fingerprint(spec))

    return make


@pytest.fixture()
def store_adapter(make_adapter, isolated_config: Path):
    """store_adapter(department, seed) saves an adapter where `cos adapters train` would, returning its path."""
    from chief_of_staff.tinylora.adapter_file import save_adapter
    from chief_of_staff.tinylora.store import ADAPTER_FILE

    def store(department: str, seed: int = 0, **changes) -> Path:
        adapter = make_adapter(department, seed)
        for key, value in changes.items():
            setattr(adapter, key, value)
        path = isolated_config / "data" / "adapters" / "smollm2-135m" / department / ADAPTER_FILE
        save_adapter(adapter, path)
        return path

    return store


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real PostgreSQL for the session (tests/postgres_server.py); its URL."""
    from tests.postgres_server import running_postgres

    with running_postgres() as url:
        yield url


@pytest.fixture()
def postgres_url(postgres_cluster: str) -> str:
    """A fresh database on the session's PostgreSQL for each test; its URL."""
    import uuid

    import psycopg

    name = "test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_cluster, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_cluster.rsplit("/", 1)[0] + "/" + name
