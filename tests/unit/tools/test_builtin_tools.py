"""The built-in departments' tools compute exactly (Decimal, standard library, zxcvbn, textstat, tldextract)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bench.url_verdicts import verdicts
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings


@pytest.fixture(scope="module")
def tools():
    departments = discover_departments(load_settings()).departments
    return {f"{name}.{t.name}": t for name, d in departments.items() for t in d.tools}


@pytest.mark.parametrize(("name", "arguments", "result"), [
    ("add_markup", {"cost": "12.00", "markup_percent": "50"}, "18.00"),
    ("price_for_margin", {"cost": "6.40", "margin_percent": "60"}, "16.00"),
    ("percent_of", {"amount": "84500", "share_percent": "38"}, "32110.00"),
    ("add_tax", {"net_amount": "64", "tax_percent": "8.25"}, "69.28"),
    ("remove_tax", {"gross_amount": "1428", "tax_percent": "19"}, "1200.00"),
    ("tax_amount", {"net_amount": "2800", "tax_percent": "19"}, "532.00"),
    ("tax_included", {"gross_amount": "307.50", "tax_percent": "23"}, "57.50"),
    ("apply_discount", {"price": "850", "discount_percent": "12"}, "748.00"),
    ("discount_amount", {"price": "1270", "discount_percent": "30"}, "381.00"),
    ("percent_change", {"old_value": "40000", "new_value": "46000"}, "15.00%"),
    ("percent_share", {"part": "2100", "whole": "35000"}, "6.00"),
    ("margin_percent", {"price": "250", "cost": "170"}, "32.00"),
    ("break_even_units", {"fixed_costs": "1750", "unit_price": "6.50", "unit_variable_cost": "3"}, "500"),
    ("break_even_units", {"fixed_costs": "1000", "unit_price": "7", "unit_variable_cost": "4"}, "334"),  # rounds up
    ("per_month", {"annual_amount": "5460"}, "455.00"),
    ("hourly_rate", {"annual_pay": "41600", "hours_per_week": "40"}, "20.00"),  # 52 weeks by default
    ("total", {"amounts": ["3120.40", "987.25", "2406.00", "155.35"]}, "6669.00"),
    ("simple_interest", {"principal": "15000", "rate_percent": "4.5", "years": "2"}, "1350.00"),
    ("simple_interest_total", {"principal": "5000", "rate_percent": "3", "years": "4"}, "5600.00"),
    ("compound_interest", {"principal": "10000", "rate_percent": "4", "years": "5"}, "12166.53"),
    ("loan_payment", {"principal": "25000", "annual_rate_percent": "7", "months": "60"}, "495.03"),
    ("loan_payment", {"principal": "1200", "annual_rate_percent": "0", "months": "12"}, "100.00"),
    ("divide", {"amount": "1437.50", "count": "250"}, "5.75"),
    ("flat_plus_percent", {"flat_fee": "50", "fee_percent": "5", "amount": "1800"}, "140.00"),
    ("add_percent", {"amount": "275", "increase_percent": "10"}, "302.50"),
    ("days_between_dates", {"start": "2026-01-05", "end": "2026-02-20"}, "46"),
])
def test_finance_computes_exactly(tools, name, arguments, result):
    assert tools[f"finance.{name}"].invoke(arguments)["result"] == result


@pytest.mark.parametrize(("name", "arguments", "message"), [
    ("break_even_units", {"fixed_costs": "100", "unit_price": "4", "unit_variable_cost": "5"}, "above the variable"),
    ("price_for_margin", {"cost": "5", "margin_percent": "100"}, "under 100%"),
    ("divide", {"amount": "5", "count": "0"}, "cannot divide by 0"),
    ("percent_change", {"old_value": "0", "new_value": "5"}, "old value is 0"),
])
def test_finance_refuses_impossible_figures_with_a_reason(tools, name, arguments, message):
    with pytest.raises(ValueError, match=message):
        tools[f"finance.{name}"].invoke(arguments)


def test_general_does_date_arithmetic(tools):
    assert tools["general.add_days"].invoke({"start": "2026-03-03", "days": "45"})["result"] == "2026-04-17"
    in_ten = (date.today() + timedelta(days=10)).isoformat()
    assert tools["general.days_from_today"].invoke({"days": "10"})["result"] == in_ten
    assert str(date.today().year) in tools["general.todays_date"].invoke({})["result"]


def test_security_flags_lookalike_links_and_passes_real_ones(tools):
    check = tools["security.check_links"]
    assert check.invoke({"text": "Pay at http://paypa1.com/invoice"})["result"].startswith("Suspicious")
    assert check.invoke({"text": "Log in at https://www.paypal.com/signin"})["result"].startswith("No sign")
    shown = check.invoke({"text": '<a href="http://secure-login.example-pay.top/">www.chase.com</a>'})
    assert "link text shows chase.com" in shown["result"]
    with pytest.raises(ValueError, match="no link found"):
        check.invoke({"text": "is this safe?"})


def test_link_verdicts_on_the_blind_held_out_set_reach_ninety_percent():
    results = verdicts()
    right = sum((row["label"] == "suspicious") == suspicious for row, suspicious, _ in results)
    assert len(results) == 100
    assert right >= 90  # measured 98 (bench/url_verdicts.py)


def test_email_headers_show_a_spoofed_sender(tools):
    headers = ("From: Accounts <billing@ourbank.com>\nReply-To: refunds.team@gmail.com\n"
               "Return-Path: <bounce@mailer-x.top>\nAuthentication-Results: mx.google.com; spf=fail; dkim=none; "
               "dmarc=fail")
    result = tools["security.check_email_headers"].invoke({"text": f"Is this real?\n{headers}"})
    assert "Reply-To goes to gmail.com" in result["result"] and "SPF fail" in result["result"]
    clean = tools["security.check_email_headers"].invoke({"text": "From: a@shop.co.uk\nReply-To: b@shop.co.uk\n"
                                                                   "Authentication-Results: x; spf=pass; dkim=pass"})
    assert clean["result"].startswith("No sign of spoofing")


def test_password_strength_never_echoes_the_password(tools):
    weak = tools["security.check_password_strength"].invoke({"text": "How strong is the password 'Summer2024!'?"})
    strong = tools["security.check_password_strength"].invoke(
        {"text": "Rate 'violet-ladder-quietly-94-harbour' please"})
    assert weak["result"].startswith(("very weak", "weak", "fair")) and "Summer2024" not in weak["result"]
    assert strong["result"].startswith("very strong")


def test_content_counts_against_channel_limits_and_rates_readability(tools):
    sms = tools["content.check_length"].invoke({"text": 'Will this fit in a text? "Your table is booked for 7pm."'})
    assert sms["result"].startswith("29 characters, 6 words: fits SMS")
    long_post = tools["content.check_length"].invoke({"text": "Tweet: " + "word " * 70})
    assert "too long for X post" in long_post["result"]
    plain = tools["content.check_readability"].invoke({"text": 'How readable is "We fix bikes. We are quick."'})
    assert "plain English" in plain["result"]


@pytest.mark.parametrize(("task", "measures"), [
    ('Will this fit in a text? "Your table is booked for 7pm."', True),
    ("Is this short enough for a tweet:\nSpring sale starts Monday, 20% off everything", True),
    ("Please write an SMS telling customers we open at 9. Rules: at most 20 words; start with 'Hi'.", False),
    ("Draft a one-line Instagram post about our new rye loaf. Rules: at most 18 words", False),
    ('Rewrite this so it fits a tweet: "We would like to inform all our valued customers..."', False),
])
def test_content_measures_a_draft_it_is_given_never_a_brief_to_write(tools, task, measures):
    from chief_of_staff.tools.contract import applies_to

    assert applies_to(tools["content.check_length"], task) is measures
