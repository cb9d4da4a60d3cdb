"""TinyLoRA: deterministic skeleton, a no-op until trained, only v trains, exact save/load and conversions
(PEFT TinyLoRA both ways, plain LoRA, merged weights) checked against PEFT itself on a tiny random Llama."""

import copy

import pytest
import torch
from peft import PeftModel, TinyLoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

from chief_of_staff.tinylora.adapter_file import AdapterFileError, load_adapter, save_adapter
from chief_of_staff.tinylora.interop import export_lora, export_peft, import_peft, merge_into
from chief_of_staff.tinylora.layer import AdapterMismatchError, Trainable, attach, snapshot
from chief_of_staff.tinylora.skeleton import base_fingerprint, build_skeleton, canonical_svd
from chief_of_staff.tinylora.spec import TinyLoraSpec, spec_for_params

IDS = torch.tensor([[1, 5, 9, 23, 42, 7, 3]])


def tiny_llama(seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64)
    return LlamaForCausalLM(config).eval()


def logits(model) -> torch.Tensor:
    with torch.no_grad():
        return model(IDS).logits


@pytest.fixture()
def base():
    return tiny_llama()


def trained_adapter(model, spec=TinyLoraSpec(u=13), seed=1):
    skeleton = build_skeleton(model, spec.r)
    torch.manual_seed(seed)
    trainable = Trainable(skeleton, spec)
    with torch.no_grad():
        trainable.v.uniform_(-0.5, 0.5)
    return skeleton, snapshot(trainable, skeleton, "security", {"steps": 3})


def with_adapter(model, adapter):
    model = copy.deepcopy(model)
    bank = attach(model, build_skeleton(model, adapter.spec.r))
    bank.add(adapter.department, adapter)
    bank.activate(adapter.department)
    return model


def test_skeleton_is_deterministic_and_survives_the_cache(base, tmp_path):
    spec = TinyLoraSpec()
    first = build_skeleton(base, 2, tmp_path)
    again = build_skeleton(base, 2, tmp_path)  # from the cache file
    fresh = build_skeleton(tiny_llama(), 2)  # recomputed, no cache
    assert first.fingerprint(spec) == again.fingerprint(spec) == fresh.fingerprint(spec)
    assert first.num_modules == 14 and "lm_head" not in first.names
    assert first.fingerprint(spec) != build_skeleton(tiny_llama(seed=1), 2).fingerprint(spec)


def test_canonical_signs_undo_a_sign_flip_of_the_weight_factors():
    torch.manual_seed(0)
    W = torch.randn(8, 6)
    A1, B1, _ = canonical_svd(W, 2)
    U, S, Vh = torch.linalg.svd(W, full_matrices=False)
    flipped = (U * torch.tensor([-1.0] * 6)) @ torch.diag(S) @ (Vh * -1.0)  # same W, opposite signs
    A2, B2, _ = canonical_svd(flipped, 2)
    assert torch.allclose(A1, A2, atol=1e-5) and torch.allclose(B1, B2, atol=1e-5)


def test_attached_adapter_is_a_no_op_until_trained(base):
    before = logits(base)
    model = copy.deepcopy(base)
    bank = attach(model, build_skeleton(model))
    assert torch.equal(logits(model), before), "no active adapter: exactly the base model"
    bank.trainable = Trainable(bank.skeleton, TinyLoraSpec())
    assert torch.allclose(logits(model), before, atol=1e-6), "v = 0: no change"


def test_training_changes_v_and_nothing_else(base):
    model = copy.deepcopy(base)
    bank = attach(model, build_skeleton(model))
    for p in model.parameters():
        p.requires_grad_(False)
    bank.trainable = trainable = Trainable(bank.skeleton, TinyLoraSpec(u=13))
    frozen = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.SGD(trainable.parameters(), lr=0.1)
    loss = model(IDS, labels=IDS).loss
    loss.backward()
    optimizer.step()
    assert trainable.v.abs().sum() > 0 and sum(p.numel() for p in trainable.parameters()) == 13
    assert all(torch.equal(frozen[k], v) for k, v in model.state_dict().items())


def test_save_load_is_exact_and_under_1kb(base, tmp_path):
    skeleton, adapter = trained_adapter(base)
    size = save_adapter(adapter, tmp_path / "a.tinylora.json")
    loaded = load_adapter(tmp_path / "a.tinylora.json")
    assert size <= 1024, size
    assert torch.equal(loaded.v, adapter.v) and loaded.report == {"steps": 3}
    assert torch.equal(logits(with_adapter(base, loaded)), logits(with_adapter(base, adapter)))


def test_corrupt_adapter_file_is_refused(base, tmp_path):
    _, adapter = trained_adapter(base)
    path = tmp_path / "a.tinylora.json"
    save_adapter(adapter, path)
    path.write_text(path.read_text().replace('"steps":3', '"steps":4'))
    with pytest.raises(AdapterFileError, match="checksum"):
        load_adapter(path)
    path.write_text(path.read_text()[:50])
    with pytest.raises(AdapterFileError, match="not valid JSON"):
        load_adapter(path)


def test_adapter_from_another_base_model_is_refused(base):
    _, adapter = trained_adapter(tiny_llama(seed=7))
    bank = attach(copy.deepcopy(base), build_skeleton(base))
    with pytest.raises(AdapterMismatchError, match="another base model"):
        bank.add("security", adapter)


def test_switching_departments_changes_outputs_and_back(base):
    model = copy.deepcopy(base)
    bank = attach(model, build_skeleton(model))
    _, first = trained_adapter(base, seed=1)
    _, second = trained_adapter(base, seed=2)
    bank.add("security", first)
    bank.add("finance", second)
    bank.activate("security")
    a = logits(model)
    bank.activate("finance")
    b = logits(model)
    bank.activate(None)
    assert not torch.allclose(a, b) and torch.equal(logits(model), logits(base))
    bank.activate("security")
    assert torch.equal(logits(model), a)


def test_export_to_peft_loads_in_peft_with_the_same_logits(base, tmp_path):
    _, adapter = trained_adapter(base)
    export_peft(adapter, build_skeleton(base), tmp_path / "peft")
    peft_model = PeftModel.from_pretrained(copy.deepcopy(base), tmp_path / "peft").eval()
    assert (logits(peft_model) - logits(with_adapter(base, adapter))).abs().max() <= 1e-5


def test_import_from_peft_gives_the_same_logits(base, tmp_path):
    peft_model = get_peft_model(copy.deepcopy(base), TinyLoraConfig(r=2, u=13, weight_tying=1.0,
                                                                    target_modules="all-linear"))
    with torch.no_grad():
        for p in peft_model.parameters():
            if p.requires_grad:
                p.uniform_(-0.5, 0.5)
    peft_model.save_pretrained(tmp_path / "peft")
    adapter = import_peft(tmp_path / "peft", build_skeleton(base), "security")
    assert (logits(peft_model.eval()) - logits(with_adapter(base, adapter))).abs().max() <= 1e-5


def test_lora_export_matches_tinylora_logits(base, tmp_path):
    _, adapter = trained_adapter(base)
    export_lora(adapter, build_skeleton(base), tmp_path / "lora", rank=8)
    lora_model = PeftModel.from_pretrained(copy.deepcopy(base), tmp_path / "lora").eval()
    assert (logits(lora_model) - logits(with_adapter(base, adapter))).abs().max() <= 1e-4


def test_merged_weights_match_the_unmerged_adapter(base):
    _, adapter = trained_adapter(base)
    merged = copy.deepcopy(base)
    merge_into(merged, adapter, build_skeleton(base))
    assert (logits(merged) - logits(with_adapter(base, adapter))).abs().max() <= 1e-4


@pytest.mark.parametrize(("params", "expected"), [(13, 13), (200, 195), (5000, 5040)])
def test_spec_for_params_lands_near_the_requested_size(params, expected):
    assert spec_for_params(params, 210).trainable_parameters(210) == expected


def test_bad_spec_values_are_named():
    with pytest.raises(ValueError, match="weight_tying.*1.5"):
        TinyLoraSpec(weight_tying=1.5)


def test_base_fingerprint_changes_when_any_weight_changes(base):
    other = copy.deepcopy(base)
    with torch.no_grad():
        other.model.layers[1].mlp.up_proj.weight[7, 5] += 0.01  # mid-tensor, far from the sampled ends
    assert base_fingerprint(base) != base_fingerprint(other)
