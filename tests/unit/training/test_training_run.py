"""`cos adapters` on a tiny random Llama: a full train -> save -> list -> eval -> export cycle, Ctrl-C with
--resume, malformed task lines, and a corrupt adapter. (The real model's GRPO run is in tests/integration.)"""

import json
import re

import pytest
import torch
from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.models.embedded import load_folder
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.tinylora.adapter_file import load_adapter
from chief_of_staff.tinylora.runtime import bank_for
from chief_of_staff.training.grpo import TrainingInterrupted
from chief_of_staff.training.run import TrainRequest, train_department
from chief_of_staff.training.tasks import load_task_set

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("tiny_settings")


def cos(*args):
    return runner.invoke(app, list(args))


def test_train_saves_adapter_and_report_then_list_eval_export(toy_department, isolated_config, tiny_model_dir):
    result = cos("adapters", "train", "toy", "--steps", "2")
    assert result.exit_code == 0, result.output
    # stdout is not a terminal here, as in a log file: a line per step of a 2-step run
    assert re.search(r"step 1/2  reward \S+  elapsed \S+  left ~\S+\nstep 2/2  reward", result.stdout)
    store = isolated_config / "data" / "adapters" / tiny_model_dir.name / "toy"  # one adapter per base model
    report = json.loads((store / "report.json").read_text())
    assert report["params"] == 13 and report["steps"] == 2 and len(report["reward_curve"]) == 2
    assert report["bytes"] == (store / "adapter.tinylora.json").stat().st_size <= 1024
    in_file = json.loads((store / "adapter.tinylora.json").read_text())["report"]
    assert "reward_curve" not in in_file and in_file["steps"] == 2  # its size does not grow with the steps run
    assert set(report["eval"]) == {"metric", "n", "before", "after"} and report["eval"]["n"] == 3
    assert "Held-out reward_yes on 3 tasks" in (store / "report.md").read_text()
    assert not (store / "checkpoint.pt").exists()

    [row] = [r for r in json.loads(cos("adapters", "list", "--json").stdout) if r["department"] == "toy"]
    assert row["params"] == 13 and row["eval"]["metric"] == "reward_yes" and row["trained_at"]

    evaluated = json.loads(cos("adapters", "eval", "toy", "--json").stdout)
    assert evaluated["after"] == report["eval"]["after"], "greedy evaluation is reproducible"

    for fmt in ("peft", "lora", "ollama", "merged"):
        out = isolated_config / f"export-{fmt}"
        assert cos("adapters", "export", "toy", "--format", fmt, "--out", str(out)).exit_code == 0
    assert (isolated_config / "export-ollama" / "Modelfile").read_text().startswith("FROM smollm2:135m\nADAPTER .")
    assert (isolated_config / "export-merged" / "model.safetensors").is_file()
    lora = json.loads((isolated_config / "export-lora" / "adapter_config.json").read_text())
    assert lora["r"] == 8 and lora["lora_alpha"] == 8
    assert_vllm_bundle_serves_the_adapter(isolated_config)

    trained_v = load_adapter(store / "adapter.tinylora.json").v
    imported = cos("adapters", "import", "toy", "--from", str(isolated_config / "export-peft"))
    assert imported.exit_code == 0 and "imported 13 parameters" in imported.stdout, imported.output
    assert torch.equal(load_adapter(store / "adapter.tinylora.json").v, trained_v), "PEFT round trip is exact"


def assert_vllm_bundle_serves_the_adapter(root):
    """`--format vllm` with no department: every trained adapter, the base weights and the serve command. The
    base with the LoRA folder, loaded as vLLM loads them (PEFT's format), answers as the merged export does."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    bundle = root / "export-vllm"
    result = cos("adapters", "export", "--format", "vllm", "--out", str(bundle))
    assert result.exit_code == 0, result.output
    assert "exported toy and the base model" in result.stdout and "COS_OPENAI_ADAPTERS=model" in result.stdout
    script = (bundle / "vllm-serve.sh").read_text()
    assert "exec vllm serve ./base --served-model-name" in script
    assert "--enable-lora --max-lora-rank 8 --max-loras 1 --lora-modules toy=./toy \"$@\"" in script
    ids = torch.tensor([[1, 5, 9, 14]])
    served = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(bundle / "base"), bundle / "toy")
    merged = AutoModelForCausalLM.from_pretrained(root / "export-merged")
    with torch.no_grad():
        assert (served(ids).logits - merged(ids).logits).abs().max() <= 1e-4
    assert cos("adapters", "export", "--format", "lora", "--out", str(root / "x")).exit_code == 2, "lora: name one"


def test_ctrl_c_keeps_the_checkpoint_and_resume_finishes(toy_department, tiny_model_dir, isolated_config):
    settings = load_settings()
    department = discover_departments(settings).departments["toy"]
    tasks = load_task_set(department.folder)
    model, tokenizer = load_folder(tiny_model_dir)
    bank = bank_for(model, settings.cache_dir)
    folder = isolated_config / "store" / "toy"

    def press_ctrl_c_at_step_2(state):
        if state.step == 2:
            raise KeyboardInterrupt

    common = dict(model=model, tokenizer=tokenizer, bank=bank, department=department, tasks=tasks,
                  folder=folder, model_name="tiny")
    with pytest.raises(TrainingInterrupted, match="step 2 of 4.*--resume"):
        train_department(request=TrainRequest(steps=4), on_step=press_ctrl_c_at_step_2, **common)
    saved = torch.load(folder / "checkpoint.pt", weights_only=False)
    assert saved["step"] == 2 and len(saved["rewards"]) == 2
    report = train_department(request=TrainRequest(steps=4, resume=True), **common)
    assert report["steps"] == 4 and len(report["reward_curve"]) == 4
    assert load_adapter(folder / "adapter.tinylora.json").parameters == 13


def test_resume_with_other_settings_is_refused(toy_department, tiny_model_dir, isolated_config):
    result = cos("adapters", "train", "toy", "--resume")
    assert result.exit_code == 2 and "nothing to resume" in result.stderr


def test_malformed_task_lines_stop_unless_skipped(isolated_config):
    from tests.unit.training.conftest import write_toy_department

    good = [json.dumps({"id": f"t{i}", "split": "heldout" if i < 3 else "train", "prompt": "Say yes.",
                        "answer": "yes"}) for i in range(6)]
    write_toy_department(isolated_config, good[:3] + ["oops"] + good[3:])
    stopped = cos("adapters", "train", "toy", "--steps", "1")
    assert stopped.exit_code == 2 and "line 4: not valid JSON" in stopped.stderr
    skipped = cos("adapters", "train", "toy", "--steps", "1", "--skip-bad-lines")
    assert skipped.exit_code == 0 and "skipping 1 malformed task lines" in skipped.stderr


def test_corrupt_adapter_is_listed_as_broken_and_chat_still_answers(toy_department, isolated_config,
                                                                     tiny_model_dir):
    assert cos("adapters", "train", "toy", "--steps", "1").exit_code == 0
    path = isolated_config / "data" / "adapters" / tiny_model_dir.name / "toy" / "adapter.tinylora.json"
    path.write_text(path.read_text()[:-20])
    [row] = [r for r in json.loads(cos("adapters", "list", "--json").stdout) if r["department"] == "toy"]
    assert "corrupt" in row["error"]
    answer = json.loads(cos("ask", "--json", "-d", "toy", "Say yes.").stdout)
    assert answer["adapter"] is None and answer["tokens_out"] > 0


def test_answers_name_the_adapter_in_the_trace(toy_department):
    assert cos("adapters", "train", "toy", "--steps", "1").exit_code == 0
    answer = json.loads(cos("ask", "--json", "-d", "toy", "Say yes.").stdout)
    assert answer["adapter"] == {"department": "toy", "params": 13}
    without = json.loads(cos("ask", "--json", "--no-adapter", "-d", "toy", "Say yes.").stdout)
    assert without["adapter"] is None and without["answer"]  # the same question, for comparison
    plain = json.loads(cos("ask", "--json", "-d", "security", "Is this phishing?").stdout)
    assert plain["adapter"] is None or plain["adapter"]["department"] == "security"


def test_train_unknown_department_exits_2():
    result = cos("adapters", "train", "astrology")
    assert result.exit_code == 2 and "choose one of" in result.stderr


def test_task_fields_may_mix_types(isolated_config):
    from tests.unit.training.conftest import write_toy_department

    rows = [{"id": f"t{i}", "split": "heldout" if i < 2 else "train", "prompt": "Answer.",
             "answer": 12.5 if i % 2 else "yes", "rules": {"max_words": 3} if i % 3 else {"end_with": "#x"}}
            for i in range(6)]
    write_toy_department(isolated_config, [json.dumps(r) for r in rows])
    result = cos("adapters", "train", "toy", "--steps", "1")
    assert result.exit_code == 0, result.output


def test_reward_weights_from_the_manifest_reach_the_trainer(isolated_config):
    from tests.unit.training.conftest import TINY_TRAINING, write_toy_department

    write_toy_department(isolated_config, training=TINY_TRAINING + "reward_weights = [0.5]\n")
    assert cos("adapters", "train", "toy", "--steps", "1").exit_code == 0
    write_toy_department(isolated_config, training=TINY_TRAINING + "reward_weights = [0.5, 0.5]\n")
    mismatched = cos("adapters", "train", "toy", "--steps", "1")
    assert mismatched.exit_code == 2 and "one weight per function" in mismatched.stderr


def test_tasks_per_step_scores_that_many_groups_a_step_and_trains_them_one_group_at_a_time(isolated_config,
                                                                                          monkeypatch):
    """--tasks-per-step 3 with 2 samples a task: 6 answers scored per step; the loss sees 2 at a time, so its
    memory stays one group's (32 samples in one batch ran a 24 GiB machine out of memory)."""
    from trl import GRPOTrainer

    from tests.unit.training.conftest import write_toy_department

    folder = write_toy_department(isolated_config)
    (folder / "rewards.py").write_text((folder / "rewards.py").read_text().replace(
        "def reward_yes(completions, answer=None, **kwargs):\n",
        "def reward_yes(completions, answer=None, **kwargs):\n"
        f"    open({str(isolated_config / 'scored')!r}, 'a').write(f'{{len(completions)}}\\n')\n"))
    loss_batches = []
    compute_loss = GRPOTrainer.compute_loss

    def counting(self, model, inputs, *args, **kwargs):
        loss_batches.append(len(inputs["completion_ids"]))
        return compute_loss(self, model, inputs, *args, **kwargs)

    monkeypatch.setattr(GRPOTrainer, "compute_loss", counting)
    result = cos("adapters", "train", "toy", "--steps", "2", "--tasks-per-step", "3")
    assert result.exit_code == 0, result.output
    assert "step 2/2" in result.stdout
    scored = (isolated_config / "scored").read_text().split()  # the held-out evaluation (3 tasks), training, again
    assert scored == ["3", "6", "6", "3"] and loss_batches == [2] * 6
    report = json.loads(next(isolated_config.rglob("report.json")).read_text())
    assert report["tasks_per_step"] == 3 and len(report["reward_curve"]) == 2


def test_a_department_with_house_rules_and_no_rewards_py_trains_on_its_style_as_chat_asks(isolated_config):
    """One command: the [style] rules are the rewards; prompts are chat's (prompt.md, the prepare_task hook)."""
    from tests.unit.training.conftest import write_toy_department

    folder = write_toy_department(isolated_config)
    (folder / "rewards.py").unlink()
    manifest = folder / "department.toml"
    manifest.write_text(manifest.read_text().replace("[training]", '[style]\nsign_off = "#toy"\nmax_words = 3\n\n'
                                                                     "[training]"))
    (folder / "hooks.py").write_text("def prepare_task(text):\n    return text + ' (house rules apply)'\n")
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.settings import load_settings
    from chief_of_staff.training.run import as_in_chat

    toy = discover_departments(load_settings()).require("toy")
    assert toy.training_system_prompt == "You say yes."  # chat's system prompt, prompt.md
    assert as_in_chat(toy, [{"prompt": "Say yes."}]) == [{"prompt": "Say yes. (house rules apply)"}]
    result = cos("adapters", "train", "toy", "--steps", "1")
    assert result.exit_code == 0, result.output
    assert "held-out style_compliance" in result.stdout
    assert "adapter + rules" in result.stdout and "guard pass" in result.stdout  # the four arms, side by side
    [row] = [r for r in json.loads(cos("adapters", "list", "--json").stdout) if r["department"] == "toy"]
    assert list(row["arms"]) == ["base", "rules in prompt", "adapter", "adapter + rules"]
    assert row["arms"]["adapter"]["verdict"] in ("guard held", "guard failed", "reward hacking")
    assert "House style on the held-out tasks" in next(isolated_config.rglob("report.md")).read_text()


def test_a_time_budget_stops_training_and_keeps_the_best_vector_on_a_validation_split(toy_department,
                                                                                     isolated_config):
    result = cos("adapters", "train", "toy", "--steps", "50", "--minutes", "0.01")
    assert result.exit_code == 0, result.output
    assert "stopped at the 0.01-minute budget; kept step" in result.stdout
    report = json.loads(next((isolated_config / "data" / "adapters").rglob("report.json")).read_text())
    assert report["steps"] < 50 and report["stopped_by_time"] is True
    assert report["validation"] and report["best_step"] in [step for step, _ in report["validation"]]


def test_a_time_budget_needs_tasks_to_spare_for_validation(isolated_config):
    from tests.unit.training.conftest import write_toy_department

    rows = [{"id": f"t{i}", "split": "heldout" if i == 0 else "train", "prompt": "Say yes.", "answer": "yes"}
            for i in range(3)]
    write_toy_department(isolated_config, [json.dumps(r) for r in rows])
    result = cos("adapters", "train", "toy", "--minutes", "1")
    assert result.exit_code == 2 and "--minutes needs more than 2 training tasks" in result.stderr


def test_from_history_adds_the_owners_past_tasks_for_that_department(toy_department):
    for task in ("Say yes to the van booking.", "Say yes to the new rota."):
        assert cos("ask", "-d", "toy", task).exit_code == 0
    assert cos("ask", "-d", "security", "Is this email phishing?").exit_code == 0  # another department's
    result = cos("adapters", "train", "toy", "--steps", "1", "--from-history")
    assert result.exit_code == 0, result.output
    assert "2 tasks from your past threads added to 6 from toy/tasks.jsonl" in result.stdout


def test_a_house_style_trains_on_the_routing_examples_every_third_held_out(isolated_config):
    """Built-ins' tasks.jsonl are knowledge tasks ("answer with one word"); their house style trains on the routing
    examples alone, and rewards.py (which scores task-set fields) is then left out."""
    from tests.unit.training.conftest import TINY_TRAINING, write_toy_department

    folder = write_toy_department(isolated_config, training=TINY_TRAINING + 'tasks_from = ["examples"]\n')
    manifest = folder / "department.toml"
    examples = json.dumps([f"Say yes to booking {n}." for n in range(6)])
    manifest.write_text(manifest.read_text().replace('examples = ["say yes"]', f"examples = {examples}")
                        .replace("[training]", '[style]\nmax_words = 3\n\n[training]'))
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.settings import load_settings
    from chief_of_staff.training.reward_functions import training_rewards
    from chief_of_staff.training.tasks import training_task_set

    toy = discover_departments(load_settings()).require("toy")
    tasks = training_task_set(toy)
    assert [t["prompt"] for t in tasks.heldout] == ["Say yes to booking 2.", "Say yes to booking 5."]
    assert len(tasks.train) == 4
    assert [r.__name__ for r in training_rewards(toy)] == ["style_compliance", "style_max_words"]
    result = cos("adapters", "train", "toy", "--steps", "1")
    assert result.exit_code == 0, result.output
    assert "held-out style_compliance" in result.stdout and "(n=2)" in result.stdout


def test_tasks_from_names_only_known_sources(isolated_config):
    from tests.unit.training.conftest import TINY_TRAINING, write_toy_department

    write_toy_department(isolated_config, training=TINY_TRAINING + 'tasks_from = ["emails"]\n')
    [broken] = json.loads(cos("departments", "list", "--json").stdout)["broken"]
    assert "training.tasks_from" in broken["error"] and "'tasks.jsonl' or 'examples'" in broken["error"]
