"""Recommendations in this framework's terms: departments to enable, the tier policy, adapters and local model.

Pure: the installed departments (built-in and plugins, as discover_departments found them), the measured local
shares and the price table come in as data. A business function is matched to departments by name and routing
keywords, so a third-party plugin called `marketing` or one whose keywords say "invoice" is found too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping

from pydantic import BaseModel, Field

from chief_of_staff.escalation.prices import ModelPrice
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.scorecard.profile import BusinessProfile
from chief_of_staff.scorecard.projection import CostProjection, project_costs

# The words that mark a department as serving a business function (ai_functions choices).
FUNCTION_SIGNALS: dict[str, frozenset[str]] = {
    "marketing": frozenset({"content", "marketing", "newsletter", "social media", "blog"}),
    "finance": frozenset({"finance", "bookkeeping", "invoice", "invoices", "accounting"}),
    "admin": frozenset({"general", "admin", "scheduling", "schedule", "customer complaint"}),
    "security": frozenset({"security", "cybersecurity", "phishing", "password"}),
    "legal": frozenset({"legal", "contract", "contracts", "nda"}),
}
# Which functions handle each kind of sensitive data by nature, so their departments stay on tier 4.
SENSITIVE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "none": (),
    "financial": ("finance",),
    "legal": ("legal", "admin"),
    "health": ("admin", "finance"),
}
ROUTINE_SHARE_WORTH_AN_ADAPTER = 0.5  # below it few tasks repeat, and repeated tasks are what an adapter learns
BUDGET_HEADROOM = 1.25  # the suggested Sonnet cap: the tiered projection plus a quarter
LOCAL_MODELS = {
    "laptop": "the embedded SmolLM2-135M-Instruct (the default)",
    "gpu_workstation": "a 7-8B instruct model on the GPU",
    "gpu_server": "a 14-32B instruct model on the GPU server",
}
HOW_TO_RUN = {
    "laptop": "nothing to set: it is the default",
    "gpu_workstation": "`COS_BACKEND=ollama COS_MODEL=<model>`, or `COS_MODEL=/path/to/a/transformers/folder`",
    "gpu_server": "`COS_BACKEND=ollama COS_OLLAMA_HOST=http://<server>:11434 COS_MODEL=<model>`",
}


class DepartmentAdvice(BaseModel):
    name: str
    source: str = Field(description="builtin, cwd, path or entry-point:<package>")
    plugin: bool = Field(description="True when it is not one of the built-in departments.")
    reason: str


class TierAdvice(BaseModel):
    always_local: list[str] = Field(description="Enabled departments that should stay on tier 4 (local).")
    to_make_always_local: list[str] = Field(description="Of those, the ones whose manifest does not say so yet.")
    cloud_allowed: list[str] = Field(description="Enabled departments that may escalate to Claude (tiers 2-3).")
    sonnet_monthly_cap_usd: float = Field(ge=0, description="Suggested COS_BUDGETS__SONNET__MONTHLY_USD.")
    advice: list[str]


class AdapterAdvice(BaseModel):
    train: bool
    local_model: str
    departments: list[str] = Field(description="Departments to train adapters for (empty when train is False).")
    advice: list[str]


class Recommendations(BaseModel):
    departments: list[DepartmentAdvice]
    missing: list[str] = Field(description="Functions the owner uses that no installed department serves.")
    also_available: list[DepartmentAdvice]
    tiers: TierAdvice
    adapters: AdapterAdvice
    cost: CostProjection
    next_steps: list[str] = Field(description="Commands to run, in order.")


def serves(department: Department, function: str) -> bool:
    signals = FUNCTION_SIGNALS[function]
    return department.name in signals or any(k.lower() in signals for k in department.manifest.keywords)


def _advice(department: Department, reason: str) -> DepartmentAdvice:
    return DepartmentAdvice(name=department.name, source=department.source, plugin=department.source != "builtin",
                            reason=reason)


def enabled_departments(answers: Mapping[str, str],
                        departments: Mapping[str, Department]) -> tuple[list[DepartmentAdvice], list[str]]:
    """(departments to enable with the reason for each, functions no installed department serves)."""
    function, kind = answers["ai_functions"], answers["data_sensitivity"]
    reasons: dict[str, str] = {}
    for dept in departments.values():
        if function == "several":
            reasons[dept.name] = "you use AI in several functions"
        elif function in FUNCTION_SIGNALS and serves(dept, function):
            reasons[dept.name] = f"you use AI for {function} today"
        elif dept.manifest.fallback:
            reasons[dept.name] = "the fallback: everyday tasks no other department fits"
        elif kind != "none" and serves(dept, "security"):
            reasons[dept.name] = f"you hold {kind} client data: phishing, breaches and incident response"
    missing = []
    if function in FUNCTION_SIGNALS and not any(serves(d, function) for d in departments.values()):
        missing.append(f"no installed department handles {function}: install a department plugin for it or "
                       f"create one with `cos departments new {function}`")
    return [_advice(departments[name], reason) for name, reason in reasons.items()], missing


def local_departments(kind: str, enabled: list[str],
                      departments: Mapping[str, Department]) -> tuple[list[str], list[str], list[str]]:
    """(already always local, to make always local for the kind of data, may use the cloud) among `enabled`."""
    already = [n for n in enabled if departments[n].manifest.tiers.always_local]
    to_change = [n for n in enabled if n not in already
                 and any(serves(departments[n], f) for f in SENSITIVE_FUNCTIONS[kind])]
    cloud = [n for n in enabled if n not in already and n not in to_change]
    return already, to_change, cloud


def tier_advice(kind: str, enabled: list[str], departments: Mapping[str, Department],
                projection: CostProjection) -> TierAdvice:
    already, to_change, cloud = local_departments(kind, enabled, departments)
    local = [n for n in enabled if n not in cloud]
    cap = math.ceil(projection.tiered_usd * BUDGET_HEADROOM)
    advice = []
    if kind != "none":
        advice.append(f"Threads holding {kind} data go to tier 4 (local) when the detector sees it; start a thread "
                      "with `cos chat --private` when you know it is sensitive.")
    advice += [f"Keep {n} on tier 4: set `always_local = true` under [tiers] in "
               f"{departments[n].folder / 'department.toml'} (it handles {kind} data)." for n in to_change]
    if already:
        advice.append(f"Already always local (tier 4): {', '.join(already)}.")
    if cloud:
        advice.append(f"{', '.join(cloud)} may escalate to Claude Sonnet (tier 2) when the local answer is not "
                      "confident, and to Opus (tier 3) for critical tasks.")
    advice.append(f"Cap Sonnet at ${cap} a month: COS_BUDGETS__SONNET__MONTHLY_USD={cap}"
                  + (" (the tiered projection plus a quarter)." if cap else " (nothing needs the cloud)."))
    return TierAdvice(always_local=local, to_make_always_local=to_change, cloud_allowed=cloud,
                      sonnet_monthly_cap_usd=cap, advice=advice)


def adapter_advice(hardware: str, routine_share: float, trainable: list[str]) -> AdapterAdvice:
    model, how = LOCAL_MODELS[hardware], HOW_TO_RUN[hardware]
    honest = ("Adapters do not measurably help the 135M default model (README, docs/benchmarks.md); on a bigger "
              "model they may, which this project has not measured yet: compare with `cos adapters eval` first.")
    if hardware == "laptop":
        return AdapterAdvice(train=False, local_model=model, departments=[], advice=[
            "Do not train adapters yet: a laptop cannot run a model big enough to gain from one. " + honest,
            "Use the default model for drafts and short replies; escalation handles what it cannot, within budget."])
    if routine_share < ROUTINE_SHARE_WORTH_AN_ADAPTER or not trainable:
        return AdapterAdvice(train=False, local_model=model, departments=[], advice=[
            f"Run {model} ({how}) and calibrate it before training anything: few of your "
            "tasks repeat (or no enabled department has a task set), and repeated tasks are what an adapter learns.",
            honest])
    return AdapterAdvice(train=True, local_model=model, departments=trainable, advice=[
        f"Run {model} ({how}), then train adapters for {', '.join(trainable)} on it: "
        "most of your work repeats, which is what a small adapter learns.", honest])


def recommend(answers: Mapping[str, str], profile: BusinessProfile, departments: Mapping[str, Department],
              measured_local_shares: Mapping[str, float], sonnet: ModelPrice, prices_effective_date: dt.date,
              with_task_sets: Collection[str] = ()) -> Recommendations:
    """Everything the owner should switch on, and what it will cost; `with_task_sets` names the departments that
    can be calibrated and trained (they have a tasks.jsonl)."""
    enabled, missing = enabled_departments(answers, departments)
    names = [d.name for d in enabled]
    kind = answers["data_sensitivity"]
    *_, cloud = local_departments(kind, names, departments)
    always_local = [n for n in names if n not in cloud]
    projection = project_costs(profile, names, always_local, measured_local_shares, sonnet, prices_effective_date)
    tiers = tier_advice(kind, names, departments, projection)
    trainable = [n for n in names if n in with_task_sets]
    adapters = adapter_advice(answers["hardware"], profile.routine_share, trainable)
    next_steps = [f"cos escalation calibrate {n}" for n in tiers.cloud_allowed
                  if n in with_task_sets and n not in measured_local_shares]
    next_steps += [f"cos adapters train {n} && cos adapters eval {n}" for n in adapters.departments]
    also = [_advice(d, d.manifest.description) for d in departments.values() if d.name not in names]
    return Recommendations(departments=enabled, missing=missing, also_available=also, tiers=tiers,
                           adapters=adapters, cost=projection, next_steps=next_steps)
