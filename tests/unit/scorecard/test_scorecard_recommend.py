"""Recommendations: departments matched to the functions used, tier policy, adapters, and the cost projection."""

from __future__ import annotations

import itertools

import pytest

from chief_of_staff.escalation.calibration import calibrate, save_calibration
from chief_of_staff.scorecard.profile import business_profile
from chief_of_staff.scorecard.projection import ASSUMED_LOCAL_SHARE, cost_per_task, tasks_per_month
from chief_of_staff.scorecard.questions import QUESTION_IDS, QUESTIONS
from chief_of_staff.scorecard.recommend import recommend
from chief_of_staff.scorecard.results import compute_results


def recommend_for(answers, context, departments=None, measured=None):
    return recommend(answers, business_profile(answers), departments or context.departments, measured or {},
                     context.prices.sonnet, context.prices.effective_date, context.with_task_sets)


@pytest.mark.parametrize(("function", "department"), [
    ("marketing", "content"), ("finance", "finance"), ("admin", "general"), ("security", "security"),
    ("legal", "legal"),
])
def test_the_function_used_today_enables_its_department_and_the_fallback(answers, context, function, department):
    answers.update(ai_functions=function, data_sensitivity="none")
    enabled = {d.name: d for d in recommend_for(answers, context).departments}
    assert set(enabled) == {department, "general"}


def test_a_plugin_department_is_marked_as_a_plugin_with_its_source(answers, context):
    answers["ai_functions"] = "legal"
    legal = next(d for d in recommend_for(answers, context).departments if d.name == "legal")
    assert legal.plugin and legal.source == "entry-point:cos-department-legal"


def test_several_functions_enable_every_installed_department(answers, context):
    answers["ai_functions"] = "several"
    recs = recommend_for(answers, context)
    assert {d.name for d in recs.departments} == set(context.departments) and recs.also_available == []


def test_a_function_no_installed_department_serves_is_reported(answers, context):
    answers["ai_functions"] = "legal"
    without_legal = {n: d for n, d in context.departments.items() if n != "legal"}
    recs = recommend_for(answers, context, departments=without_legal)
    assert recs.missing and "cos departments new legal" in recs.missing[0]


def test_sensitive_data_adds_security_and_keeps_the_departments_handling_it_on_tier_4(answers, context):
    answers.update(ai_functions="several", data_sensitivity="health")
    tiers = recommend_for(answers, context).tiers
    assert set(tiers.always_local) == {"general", "finance", "legal"}
    assert sorted(tiers.to_make_always_local) == ["finance", "general"]  # legal says always_local already
    assert "security" in tiers.cloud_allowed and "content" in tiers.cloud_allowed
    answers.update(ai_functions="marketing", data_sensitivity="financial")
    assert "security" in {d.name for d in recommend_for(answers, context).departments}


def test_a_business_holding_financial_records_is_told_to_make_finance_always_local(answers, context):
    answers.update(ai_functions="finance", data_sensitivity="financial")
    tiers = recommend_for(answers, context).tiers
    assert "finance" in tiers.to_make_always_local and "finance" not in tiers.cloud_allowed
    assert any("always_local = true" in line and "finance" in line for line in tiers.advice)


def test_without_sensitive_data_finance_may_escalate(answers, context):
    answers.update(ai_functions="finance", data_sensitivity="none")
    assert "finance" in recommend_for(answers, context).tiers.cloud_allowed


def test_a_laptop_gets_no_adapter_training_and_the_honest_reason(answers, context):
    answers["hardware"] = "laptop"
    adapters = recommend_for(answers, context).adapters
    assert not adapters.train and "135M" in " ".join(adapters.advice)


def test_gpu_hardware_and_routine_work_recommend_adapters_on_a_bigger_model(answers, context):
    answers.update(hardware="gpu_server", routine_share="over_75", ai_functions="finance", data_sensitivity="none")
    adapters = recommend_for(answers, context).adapters
    assert adapters.train and adapters.departments == ["finance"] and "14-32B" in adapters.local_model
    assert "not measured" in " ".join(adapters.advice)


def test_cost_projection_is_tasks_times_sonnet_price_less_the_local_share(answers, context):
    answers.update(ai_functions="marketing", data_sensitivity="none")  # content and general, both may escalate
    cost = recommend_for(answers, context).cost
    per_task = context.prices.sonnet.cost_usd(input_tokens=1500, output_tokens=400)
    assert cost.tasks_per_month == round(13 * 21 * 10 * 0.625) == 1706
    assert cost.all_cloud_usd == round(1706 * per_task, 2)
    assert cost.tiered_usd == round(1706 * (1 - ASSUMED_LOCAL_SHARE) * per_task, 2)
    assert cost.model == context.prices.sonnet.model


def test_measured_calibration_is_used_and_not_labelled_an_assumption(answers, context):
    save_calibration(context.calibrations, calibrate("content", [0.9, 0.8, 0.2, 0.1], [True, True, False, False]))
    answers.update(ai_functions="marketing", data_sensitivity="none")
    cost = compute_results(answers, context).recommendations.cost
    content = next(row for row in cost.departments if row.department == "content")
    assert (content.local_share, content.local_share_source) == (0.5, "measured")
    assert "assumption" not in content.local_share_note
    assert not any("content" in line for line in cost.assumptions if "is an assumption" in line)


def test_without_calibration_the_65_percent_share_is_labelled_an_assumption(answers, context):
    answers.update(ai_functions="marketing", data_sensitivity="none")
    cost = compute_results(answers, context).recommendations.cost
    content = next(row for row in cost.departments if row.department == "content")
    assert (content.local_share, content.local_share_source) == (0.65, "assumption")
    assert content.local_share_note.startswith("assumption")
    assert any("65% is an assumption" in line and "content" in line for line in cost.assumptions)


def test_always_local_departments_cost_nothing_in_the_cloud(answers, context):
    answers.update(ai_functions="legal", data_sensitivity="none")
    legal = next(r for r in recommend_for(answers, context).cost.departments if r.department == "legal")
    assert (legal.local_share, legal.local_share_source, legal.tiered_usd) == (1.0, "always local", 0.0)


def test_for_every_answer_set_tiered_cost_is_within_all_cloud_and_the_fallback_is_enabled(context):
    per_task = cost_per_task(context.prices.sonnet)
    for choices in itertools.product(*(q.choice_ids for q in QUESTIONS)):
        answers = dict(zip(QUESTION_IDS, choices))
        recs = recommend_for(answers, context)
        assert 0 <= recs.cost.tiered_usd <= recs.cost.all_cloud_usd, answers
        assert recs.cost.tasks_per_month == tasks_per_month(business_profile(answers)) > 0
        assert recs.cost.all_cloud_usd == round(recs.cost.tasks_per_month * per_task, 2)
        assert "general" in {d.name for d in recs.departments}
