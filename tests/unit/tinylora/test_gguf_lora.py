"""A department's TinyLoRA adapter on llama.cpp is the same adapter: exported as a GGUF LoRA (with llama's q/k
row permutation), it moves llama.cpp's log-probabilities exactly as it moves transformers' on the same weights;
each request gets its own department's adapter and no other, whatever ran before it (llama.cpp#26207,
#28674); a broken or foreign adapter costs only its own department its adapter."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gguf
import numpy as np
import pytest
import torch

from chief_of_staff.models.embedded import embedded_gguf, load_embedded
from chief_of_staff.models.gguf_dequantize import write_f32_copy
from chief_of_staff.models.llamacpp_engine import EngineAdapter, EngineConfig, LlamaEngine
from chief_of_staff.settings import load_settings
from chief_of_staff.tinylora.gguf_lora import permute_rows, write_gguf_lora
from chief_of_staff.tinylora.layer import attach

pytestmark = pytest.mark.slow
SYSTEM = "You write social media posts for a bakery."
TASK = "Write a post about our new sourdough loaf."
NEW = 24


def test_permute_rows_turns_interleaved_rope_pairs_into_halves_per_head():
    rows = np.arange(8, dtype=np.float32)[:, None]  # 2 heads of 4 dims: (8, 1)
    assert permute_rows(rows, n_head=2)[:, 0].tolist() == [0, 2, 1, 3, 4, 6, 5, 7]
    kv = np.arange(4, dtype=np.float32)[:, None]  # one kv head of 4 dims, while q has 2 heads
    assert permute_rows(kv, n_head=2, n_head_kv=1)[:, 0].tolist() == [0, 2, 1, 3]


@pytest.fixture(scope="module")
def exports(tmp_path_factory, make_adapter, embedded_transformers):
    """Two departments' adapters as GGUF LoRAs, and the first one again without the q/k permutation."""
    _, _, skeleton = embedded_transformers
    folder = tmp_path_factory.mktemp("gguf-lora")
    content, security = make_adapter("content", seed=0), make_adapter("security", seed=1)
    return {
        "content": write_gguf_lora(content, skeleton, folder / "content.gguf", "llama", 9, 3),
        "security": write_gguf_lora(security, skeleton, folder / "security.gguf", "llama", 9, 3),
        "unpermuted": write_gguf_lora(content, skeleton, folder / "raw.gguf", "llama", 9, 3, permute=False),
        "adapters": {"content": content, "security": security},
    }


def test_the_export_carries_what_llamacpps_loader_requires(exports, embedded_transformers):
    reader = gguf.GGUFReader(exports["content"])
    fields = {name: field.contents() for name, field in reader.fields.items() if not name.startswith("GGUF.")}
    assert fields["general.type"] == "adapter" and fields["adapter.type"] == "lora"
    assert fields["general.architecture"] == "llama" and fields["adapter.lora.alpha"] == 2.0
    shapes = {t.name: tuple(int(n) for n in reversed(t.shape)) for t in reader.tensors}  # numpy order
    assert shapes["blk.0.attn_q.weight.lora_a"] == (2, 576) and shapes["blk.0.attn_q.weight.lora_b"] == (576, 2)
    assert shapes["blk.29.ffn_down.weight.lora_a"] == (2, 1536) and len(shapes) == 2 * 7 * 30


def prompt_ids(tokenizer) -> list[int]:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": TASK}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=True)["input_ids"]


def llama_greedy(engine: LlamaEngine, ids: list[int], department: str | None) -> tuple[list[int], list[float]]:
    reply = engine.complete({"prompt": ids, "max_tokens": NEW, "temperature": 0, "logprobs": 1,
                             **engine.request_fields(department)})
    content = reply["choices"][0]["logprobs"]["content"]
    return [t["id"] for t in content], [t["logprob"] for t in content]


@torch.inference_mode()
def transformers_logprobs(model, ids: list[int], tokens: list[int]) -> list[float]:
    logprobs = torch.log_softmax(model(torch.tensor([ids + tokens])).logits[0].float(), -1)  # (T, V)
    return [float(logprobs[len(ids) - 1 + i, t]) for i, t in enumerate(tokens)]


@pytest.fixture(scope="module")
def f32_engine(tmp_path_factory, exports):
    """llama.cpp on an F32 copy of the embedded weights: the very numbers transformers computes with."""
    f32 = write_f32_copy(embedded_gguf(), tmp_path_factory.mktemp("f32") / "smollm2-f32.gguf")
    adapters = (EngineAdapter("content", exports["content"], 13),
                EngineAdapter("unpermuted", exports["unpermuted"], 13))
    return LlamaEngine(EngineConfig(f32, context_per_slot=512, threads=2, adapters=adapters))


def test_llamacpp_with_the_export_answers_as_transformers_with_the_adapter(f32_engine, exports,
                                                                           embedded_transformers):
    _, tokenizer, skeleton = embedded_transformers
    model, _, _ = load_embedded(load_settings().cache_dir)  # a copy of its own: attach wraps its layers
    ids = prompt_ids(tokenizer)
    tokens, llama_lp = llama_greedy(f32_engine, ids, "content")
    bank = attach(model, skeleton)
    bank.add("content", exports["adapters"]["content"])
    bank.activate("content")
    adapted = transformers_logprobs(model, ids, tokens)
    bank.activate(None)
    base = transformers_logprobs(model, ids, tokens)
    shift = np.abs(np.subtract(adapted, base))
    disagreement = np.abs(np.subtract(llama_lp, adapted))
    assert shift.mean() > 0.3, "the adapter moves the answer: the comparison is not vacuous"
    assert disagreement.max() < 0.05, f"llama.cpp and transformers disagree by {disagreement.max():.3f} nats"
    unpermuted_tokens, _ = llama_greedy(f32_engine, ids, "unpermuted")
    assert unpermuted_tokens != tokens, "without the q/k permutation the adapter is silently another adapter"


@pytest.fixture(scope="module")
def engines(exports):
    """llama.cpp on the embedded Q4_1 file: without adapters, with one, and with both departments'."""
    def engine(*names: str, parallel: int = 1) -> LlamaEngine:
        adapters = tuple(EngineAdapter(n, exports[n], 13) for n in names)
        return LlamaEngine(EngineConfig(embedded_gguf(), context_per_slot=512, parallel=parallel, threads=2,
                                        adapters=adapters))

    return {"none": engine(), "content": engine("content"), "both": engine("content", "security"),
            "parallel": engine("content", "security", parallel=3)}


def answer(engine: LlamaEngine, department: str | None, task: str = TASK) -> tuple[str, list[float]]:
    body = {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": task}],
            "max_tokens": NEW, "temperature": 0, "logprobs": True, **engine.request_fields(department)}
    pieces, logprobs = [], []

    def on_chunk(chunk: dict) -> bool:
        for choice in chunk.get("choices", []):
            pieces.append((choice.get("delta") or {}).get("content") or "")
            logprobs.extend(t["logprob"] for t in (choice.get("logprobs") or {}).get("content") or [])
        return False

    engine.chat(body, on_chunk)
    return "".join(pieces), logprobs


def same(a: tuple[str, list[float]], b: tuple[str, list[float]]) -> bool:
    return a[0] == b[0] and np.allclose(a[1], b[1], atol=1e-3)


def test_every_request_names_every_adapter_never_an_empty_list(engines):
    fields = engines["both"].request_fields(None)
    assert fields == {"lora": [{"id": 0, "scale": 0.0}, {"id": 1, "scale": 0.0}]}
    assert engines["both"].request_fields("security")["lora"][1] == {"id": 1, "scale": 1.0}
    assert engines["none"].request_fields("content") == {}


def test_a_department_without_an_adapter_answers_as_the_base_model(engines):
    """llama.cpp#28674: an absent or empty `lora` list applies every adapter at its load-time scale."""
    base = answer(engines["none"], None)
    assert same(answer(engines["both"], None), base)
    assert same(answer(engines["both"], "general"), base)
    for absent in ({}, {"lora": []}):  # what we never send; adapters loaded at scale 0 keep even that safe
        engine = engines["both"]
        original = engine.request_fields
        engine.request_fields = lambda department, fields=absent: fields
        try:
            assert same(answer(engine, "content"), base), absent
        finally:
            engine.request_fields = original


def test_each_department_gets_its_own_adapter(engines):
    content = answer(engines["content"], "content")
    assert same(answer(engines["both"], "content"), content)
    assert not same(content, answer(engines["none"], None))
    assert not same(answer(engines["both"], "security"), content)


OTHER_TASK = "Write a post about our cinnamon buns."
CACHE_SEQUENCE = [(TASK, None), (OTHER_TASK, "content"), (TASK, "content"), (OTHER_TASK, None), (TASK, None),
                  (TASK, "security"), (OTHER_TASK, "security"), (OTHER_TASK, "content"), (TASK, "content")]


def wrong_answers_after_other_adapters(exports) -> list[tuple[str, str | None]]:
    """Two tasks asked in turn with changing adapters on one slot, each against the same request on a fresh
    engine: which came back different."""
    def fresh(department: str | None, task: str) -> tuple[str, list[float]]:
        names = ("content", "security")
        adapters = tuple(EngineAdapter(n, exports[n], 13) for n in names)
        engine = LlamaEngine(EngineConfig(embedded_gguf(), context_per_slot=512, threads=2, adapters=adapters))
        return answer(engine, department, task)

    expected = {(task, d): fresh(d, task) for task in (TASK, OTHER_TASK) for d in (None, "content", "security")}
    adapters = (EngineAdapter("content", exports["content"], 13), EngineAdapter("security", exports["security"], 13))
    engine = LlamaEngine(EngineConfig(embedded_gguf(), context_per_slot=512, threads=2, adapters=adapters))
    return [(task[-12:], d) for task, d in CACHE_SEQUENCE if not same(answer(engine, d, task), expected[(task, d)])]


def test_no_cached_prompt_of_one_adapter_answers_for_another(exports):
    """llama.cpp#26207: a prompt cached in RAM under one adapter is restored for another."""
    assert wrong_answers_after_other_adapters(exports) == []


def test_llamacpp_26207_bites_with_the_ram_prompt_cache_on(exports, monkeypatch):
    """Why the RAM prompt cache is off with adapters: on, the same sequence answers with the wrong adapter."""
    from chief_of_staff.models import llamacpp_engine

    monkeypatch.setattr(llamacpp_engine, "RAM_PROMPT_CACHE_WITH_ADAPTERS_MIB", None)
    assert wrong_answers_after_other_adapters(exports), "fixed upstream? then the RAM cache can come back on"


def test_parallel_requests_with_different_adapters_answer_as_they_would_alone(engines):
    """Run beside other requests, an answer's log-probabilities move by up to about 0.05 nats a token (measured:
    llama.cpp schedules and rounds differently, rarely enough to flip a near tie), against 0.4 to 0.8 between
    departments; so each answer is compared on its first tokens: its own department's, by far, no other's."""
    expected = {d: answer(engines["parallel"], d) for d in (None, "content", "security")}  # one at a time
    order = [None, "content", "security"] * 3
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda d: answer(engines["parallel"], d), order))

    def gap(a: list[float], b: list[float]) -> float:
        return float(np.abs(np.subtract(a[:8], b[:8])).mean())

    for department, got in zip(order, answers):
        own = gap(got[1], expected[department][1])
        others = [gap(got[1], expected[d][1]) for d in expected if d != department]
        assert own < 0.15 and own < min(others) / 3, (department, own, others)


def test_broken_or_foreign_adapters_cost_only_their_own_department(store_adapter, embedded_transformers, caplog):
    from chief_of_staff.models.factory import load_chat_model
    from chief_of_staff.plugins.discovery import discover_departments

    store_adapter("content", seed=0)
    store_adapter("security", seed=1, base_fingerprint="0123456789abcdef")  # trained on another model
    broken = store_adapter("finance", seed=2)
    broken.write_text(broken.read_text().replace('"department":"finance"', '"department":"fin"'))
    settings = load_settings()
    model = load_chat_model(settings, discover_departments(settings).departments)
    assert set(model.adapters) == {"content"} and model.adapters["content"].params == 13
    assert "trained on another base model" in caplog.text and "retrain it with `cos adapters train security`" \
        in caplog.text and "checksum mismatch" in caplog.text
    export = model.adapters["content"].gguf
    assert export.parent == Path(settings.data_dir) / "adapters" / "smollm2-135m" / "content", "next to the adapter"
    export.write_bytes(export.read_bytes()[:100_000])  # a damaged cached export: llama.cpp refuses it
    store_adapter("general", seed=3)
    caplog.clear()
    again = load_chat_model(settings, discover_departments(settings).departments)
    assert set(again.adapters) == {"general"} and "llama.cpp cannot load" in caplog.text
    assert not export.exists(), "the damaged export is removed; the next start writes it again"
    assert set(load_chat_model(settings, discover_departments(settings).departments).adapters) == \
        {"content", "general"}
