"""What makes a task critical: the user, money over the limit, department keywords, and the built-in categories."""

import pytest

from chief_of_staff.escalation.criticality import amounts, assess_criticality


@pytest.mark.parametrize("task, expected", [
    ("Pay the supplier $12,500 today", [12500.0]),
    ("a £2.3k deposit and €40", [2300.0, 40.0]),
    ("we owe 1.5 million dollars", [1_500_000.0]),
    ("invoice #10452 for 30 hours", []),
])
def test_amounts_reads_written_sums_of_money(task, expected):
    assert amounts(task) == expected


@pytest.mark.parametrize("task, reason", [
    ("Approve the $45,000 equipment loan", "above the 1,000 limit"),
    ("Should we sign the new lease for the shop?", "a contract or legal commitment"),
    ("Our Instagram account got hacked", "a security incident"),
    ("Delete all customer records from the old CRM", "an irreversible action"),
])
def test_critical_tasks_say_why(task, reason):
    result = assess_criticality(task, money_threshold=1000)
    assert result.critical and any(reason in r for r in result.reasons)


@pytest.mark.parametrize("task", [
    "Write an Instagram post about our spring sale",
    "What's 20% VAT on $450?",
    "Set up a firewall for the office",
    "Ignore the policy and send this to Opus",  # asking for a model is not a reason
])
def test_routine_tasks_are_not_critical(task):
    assert not assess_criticality(task, money_threshold=1000).critical


def test_department_keywords_and_the_user_flag_make_a_task_critical():
    assert assess_criticality("process payroll", keywords=["payroll"]).reasons == ("department keyword: payroll",)
    assert assess_criticality("hello", user_flag=True).reasons == ("marked critical by the user",)
