"""The Tier-4 sensitive-data detector: finds each kind, ignores near-misses, never leaks values, fails closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chief_of_staff.sensitive import KINDS, Sensitivity, detect_sensitive
from chief_of_staff.sensitive import detector as sensitive

DATA = Path(__file__).resolve().parents[2] / "data"


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def kinds_of(text: str) -> tuple[str, ...]:
    return detect_sensitive(text).kinds


# (text, the kind it must contain)
FOUND = [
    ("payment_card", "charge 4111 1111 1111 1111 for the deposit"),
    ("payment_card", "card 5555-5555-5555-4444 was declined"),
    ("payment_card", "Amex 3782 822463 10005 on file"),
    ("payment_card", "refund to 4242424242424242 please"),
    ("payment_card", "card 4111 1111 1111 1111 123 (the CVV) for the booking"),
    ("payment_card", "card 4111\u00a01111\u00a01111\u00a01111 on file"),  # no-break spaces
    ("payment_card", "card 4111\u20071111\u20071111\u20071111"),  # figure spaces
    ("payment_card", "card 4111\u202f1111\u202f1111\u202f1111"),  # narrow no-break spaces
    ("payment_card", "card 4111\t1111\t1111\t1111"),
    ("payment_card", "card 4111.1111.1111.1111"),
    ("payment_card", "card 4111/1111/1111/1111"),
    ("payment_card", "card 4111\u200b1111\u200b1111\u200b1111"),  # zero-width spaces
    ("payment_card", "4111\ufeff1111\u200c1111\u200d1111"),
    ("payment_card", "card ４１１１ １１１１ １１１１ １１１１"),  # full-width digits
    ("payment_card", "card 5555\u20135555\u20135555\u20134444"),  # en-dashes
    ("payment_card", "Amex 3782\u00a0822463\u00a010005"),
    ("bank_account", "pay GB82 WEST 1234 5698 7654 32 by Friday"),
    ("bank_account", "IBAN DE89 3704 0044 0532 0130 00 for the SEPA transfer"),
    ("bank_account", "refund to gb29nwbk60161331926819"),
    ("bank_account", "pay BE68 5390 0754 7034 plus the fee"),
    ("government_id", "His SSN is 123-45-6789, file the extension"),
    ("government_id", "ssn 401224567 for payroll"),
    ("government_id", "social security number: 536 22 1234"),
    ("government_id", "her SSN is 123\u201345\u20136789"),  # en-dashes
    ("government_id", "123\u201145\u20116789 for the W-4"),  # non-breaking hyphens
    ("government_id", "SSN 123\u221245\u22126789"),  # minus signs
    ("government_id", "SSN １２３-４５-６７８９"),  # full-width digits
    ("bank_account", "routing number 021000021, account 123456789012"),
    ("bank_account", "the ABA is 011000015"),
    ("credential", "key sk-ant-api03-Xy7Kq2Lm9Pz4Rt6Vb8Nc1Df3Gh5Jk7Lm9Qw2E, why the 401s?"),
    ("credential", "AWS key AKIAIOSFODNN7EXAMPLE keeps failing"),
    ("credential", "token ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 for the action"),
    ("credential", "slack xoxb-2048-4096-abcdefGHIJKLmnop"),
    ("credential", "maps key AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    ("credential", "-----BEGIN RSA PRIVATE KEY----- MIIEow..."),
    ("credential", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    ("credential", "wifi password is Summer2024!"),
    ("credential", "pwd=Hunter2Hunter2 in the config"),
    ("credential", "the door passcode is 4821"),
    ("credential", "login: admin / Spring2025#"),
    ("credential", "DB_PASSWORD=S3cretPass!"),  # "_" joins the words of .env names
    ("credential", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("credential", "client_secret: 8f3kd9a0b1c2d3e4f5a6"),
    ("credential", "API_SECRET=abc123def456 in the .env"),
    ("credential", "GITHUB_TOKEN=a1b2c3d4e5f6a7b8"),
    ("credential", "the webhook needs token=9f8e7d6c5b4a"),
    ("credential", '{"password": "S3cretPass!", "user": "admin"}'),
    ("credential", "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
    ("credential", "curl -H 'Authorization: Basic YWRtaW46U3VwM3JTM2NyZXQ='"),
    ("credential", "postgres://admin:Sup3rS3cret@db.internal:5432/app"),
    ("credential", "mysql://root:hunter2@localhost/shop"),
    ("credential", "sftp://backup:Tr0ub4dor&3@files.example.com"),
    ("contact_details", "Jane Doe, 12 Elm Street, Bristol"),
    ("contact_details", "call Maria Lopez on 07700 900123 about her order"),
    ("contact_details", "forward this to priya.sharma@outlook.com"),
    ("contact_details", "Ring Mrs Alvarez on (555) 014-2876"),
    ("contact_details", "our client Maria's number is 07700 900123"),
    ("health_record", "Draft a reply to Mrs. Alvarez about her MRI results and the new prescription"),
    ("health_record", "one of our patients has HIV"),
    ("health_record", "Patient Tom Baker's treatment plan needs updating"),
    ("health_record", "MRN 00482913: update the allergy field"),
    ("health_record", "I was diagnosed with HIV last week, how do I tell my clients I need time off?"),
    ("health_record", "i was just diagnosed with diabetes, can you cover my shifts?"),
    ("health_record", "I'm pregnant, how do I plan my own maternity leave as the owner?"),
    ("health_record", "I'm on 20mg of sertraline and struggling to focus on the accounts"),
    ("health_record", "my wife has cancer, so I need to hand over the shop for a month"),
    ("health_record", "the hospital prescribed me antibiotics, draft an out-of-office"),
    ("legal_record", "PRIVILEGED AND CONFIDENTIAL: summary of the dispute"),
    ("legal_record", "Our client Mr. Davies has a custody hearing on Monday"),
    ("legal_record", "Summarise the lawsuit against Daniel Evans"),
    ("legal_record", "I'm going through a divorce and need to restructure the business ownership"),
    ("legal_record", "I've been charged with a DUI, can I still drive the van?"),
    ("legal_record", "my ex is suing me for custody and I need Fridays off"),
    ("financial_record", "Check Maria Lopez's bank statement for the missing rent"),
    ("financial_record", "Raise Priya's salary to £42,000"),
    ("bank_account", "account number 41234567, sort code 20-00-00"),
    ("financial_record", "My salary is 45000 and my mortgage payment is 1,200; can the business lend me money?"),
    ("financial_record", "I pay £950 a month on my mortgage, can I take more out of the company?"),
    ("financial_record", "My income from the shop was 42,000 last year; what tax bracket is that?"),
]

# near-misses: each must NOT report the kind
NOT_FOUND = [
    ("payment_card", "charge 4111 1111 1111 1112 for the deposit"),  # Luhn fails
    ("payment_card", "track parcel 4000 1234 5678 9010"),  # Luhn fails
    ("payment_card", "tracking 7734 2210 9981 5523"),  # no issuer starts with 7
    ("payment_card", "IBAN DE89 3704 0044 0532 0130 00"),  # the digit groups inside an IBAN
    ("bank_account", "pay GB83 WEST 1234 5698 7654 32 by Friday"),  # wrong check digits
    ("bank_account", "our VAT number is GB123456789"),  # too short for a GB IBAN
    ("government_id", "SSN 000-12-3456"),
    ("government_id", "SSN 666-12-3456"),
    ("government_id", "SSN 912-34-5678"),
    ("government_id", "SSN 123-00-4567"),
    ("government_id", "SSN 123-45-0000"),
    ("government_id", "order 401224567 shipped today"),  # 9 bare digits with no SSN label
    ("government_id", "invoice 2024-01-15 and ref ORD-123-45-6789"),
    ("bank_account", "order 021000021 shipped today"),  # valid checksum, no routing words
    ("bank_account", "routing number 123456789"),  # checksum fails
    ("credential", "Draft a password policy: minimum 14 characters"),
    ("credential", "The password is too short"),
    ("credential", "password: ${DB_PASSWORD}"),
    ("credential", "password = ********"),
    ("credential", "The password for new staff is emailed by IT"),
    ("credential", "our api key expired, how do I make a new one?"),
    ("credential", "'Validate with your username and password: mail-upgrade-portal.com' is this phishing?"),
    ("credential", "set a password policy"),
    ("credential", "password: ********"),
    ("credential", "postgres://db.internal:5432/app"),  # no userinfo
    ("credential", "postgres://user:password@db.internal/app"),  # a placeholder, as in the docs
    ("credential", "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app"),
    ("credential", "Bearer tokens expire after an hour"),  # no token value
    ("credential", "Should we use bearer authentication for the booking API?"),
    ("credential", "the access token is valid for 30 days"),
    ("credential", "DB_PASSWORD_FILE=/run/secrets/db"),
    ("contact_details", "Our phone number is changing to 020 7946 0958"),
    ("contact_details", "Add info@brightsmiles.co.uk to the booking page"),
    ("contact_details", "Is 0800 123 4567 a good number for our vans?"),
    ("contact_details", "Maria, please update our address to 14 High Street"),
    ("contact_details", "Meeting with John on 01.02.2025 10.30"),
    ("contact_details", "Hi Lisa, pay IBAN GB33 REVO 0099 7012 3456 78 instead. Thanks, Marco"),  # not a phone
    ("contact_details", "Refund card 4000 0025 0000 3155 for Mr Hill"),  # card digits are not a street number
    ("health_record", "How should we back up patient records?"),
    ("health_record", "Write a post about our dental clinic's new opening hours"),
    ("health_record", "Draft a newsletter section on allergy-friendly options on our menu"),
    ("health_record", "Dr Patel asked for the new rota for the surgery"),
    ("health_record", "SMS for our physiotherapy clinic reminding a patient their appointment is tomorrow"),
    ("legal_record", "Explain attorney-client privilege in plain English for our handbook"),
    ("legal_record", "Draft a template settlement agreement clause for supplier disputes"),
    ("financial_record", "Our bank statements show a duplicate direct debit"),
    ("financial_record", "What's a typical salary for a junior bookkeeper?"),
    ("financial_record", "Ask Oliver to send me the bank statement import file"),
    ("financial_record", "look up customer account number 10023456"),
    ("financial_record", "My tax return is due next week, which receipts do I need as a sole trader?"),  # no sum
    ("financial_record", "I have 3 staff, what's the minimum salary I can pay them?"),
    ("financial_record", "my staff's salaries come to 12,000 a month"),  # the business's payroll, not the user's
    ("health_record", "How should I store my employees' medical records?"),
    ("health_record", "I'm planning a mental health awareness week for staff"),
    ("health_record", "I have an allergy-friendly menu, can you write a post about it?"),
    ("legal_record", "I am drafting the divorce law FAQ for our family law firm website"),
]

# Ordinary tasks: nothing of any kind. First-person business requests ("I", "my", "me", and "our" for the business),
# and dates or version numbers that normalising separators must not turn into card or SSN digits.
ORDINARY = [
    "chase an overdue invoice", "what's our VAT on 450?", "set up MFA for staff", "draft a privacy policy",
    "write a post about our dental clinic's new opening hours", "",
    "I need a blog post about our new menu", "my team needs a password policy", "I want to chase an overdue invoice",
    "Can you help me write a job ad for a receptionist?", "my accountant says our VAT return is due",
    "I think I was phished, what now?", "I'm a sole trader, how do I pay myself a salary?",
    "Book the van for 2026.11.28", "update to v1.2.3.4 tonight", "the lease ends 12/28/2026",
    "release 2026\u201311\u201328 build 1.2.3.4", "invoice 2024\u00a01234 paid on 28\u200b/11/2026",
]


@pytest.mark.parametrize(("kind", "text"), FOUND)
def test_detects_each_kind_of_sensitive_data(kind: str, text: str):
    result = detect_sensitive(text)
    assert result.sensitive and bool(result)
    assert kind in result.kinds


@pytest.mark.parametrize(("kind", "text"), NOT_FOUND)
def test_near_misses_are_not_reported_as_that_kind(kind: str, text: str):
    assert kind not in kinds_of(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_tasks_are_not_sensitive(text: str):
    result = detect_sensitive(text)
    assert result == Sensitivity(False, ())
    assert not result


@pytest.mark.parametrize(
    ("text", "value"),
    [("charge 4111 1111 1111 1111", "4111"), ("pay GB82 WEST 1234 5698 7654 32", "WEST"),
     ("SSN 123-45-6789", "6789"), ("routing 021000021", "021000021"), ("wifi password is Summer2024!", "Summer"),
     ("call Maria Lopez on 07700 900123", "900123"), ("Mrs. Alvarez's MRI results", "Alvarez"),
     ("DB_PASSWORD=S3cretPass!", "S3cret"), ("postgres://admin:Sup3rS3cret@db.internal/app", "Sup3r"),
     ("Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0", "9f8e"),
     ("card 4111\u200b1111\u200b1111\u200b1111", "4111"),
     ("I was diagnosed with HIV last week", "HIV"), ("My salary is 45000", "45000")],
)
def test_the_answer_never_contains_the_matched_value(text: str, value: str):
    result = detect_sensitive(text)
    assert result.sensitive
    assert value not in repr(result)
    assert set(result.kinds) <= set(KINDS)


def test_kinds_are_sorted_and_unique():
    result = detect_sensitive("Mr Patel, 07700 900111, paid with 4111-1111-1111-1111 and SSN 123-45-6789")
    assert result.kinds == ("contact_details", "government_id", "payment_card")


@pytest.mark.parametrize("not_text", [None, 42, b"4111 1111 1111 1111", ["a list"]])
def test_fails_closed_on_anything_but_a_str(not_text):
    assert detect_sensitive(not_text) == Sensitivity(True, ("detector_error",))


def test_fails_closed_when_a_checker_raises(monkeypatch: pytest.MonkeyPatch):
    def broken(text: str) -> bool:
        raise RuntimeError("boom")

    monkeypatch.setitem(sensitive.CHECKERS, "bank_account", broken)
    assert detect_sensitive("chase an overdue invoice") == Sensitivity(True, ("detector_error",))


def test_every_checker_kind_is_a_documented_kind():
    assert set(sensitive.CHECKERS) | {"detector_error"} == set(KINDS)


def test_is_deterministic():
    texts = [row["text"] for row in load("sensitive_tasks.jsonl") + load("non_sensitive_tasks.jsonl")]
    assert [detect_sensitive(t) for t in texts] == [detect_sensitive(t) for t in texts]


def test_data_sets_are_big_enough():
    flagged = load("sensitive_tasks.jsonl")
    assert len(load("non_sensitive_tasks.jsonl")) >= 200 and len(flagged) >= 120
    for kind in KINDS[:-1]:
        assert sum(kind in row["kinds"] for row in flagged) >= 10, kind


def test_recall_is_100_percent_on_the_sensitive_set():
    missed = [(i, row["kinds"], kinds_of(row["text"])) for i, row in enumerate(load("sensitive_tasks.jsonl"), 1)
              if not set(row["kinds"]) <= set(kinds_of(row["text"]))]
    assert not missed  # (line, expected kinds, found kinds): no values


def test_false_positive_rate_is_below_5_percent_on_the_non_sensitive_set():
    rows = load("non_sensitive_tasks.jsonl")
    flagged = [(i, kinds_of(row["text"])) for i, row in enumerate(rows, 1) if detect_sensitive(row["text"])]
    # measured: 2/382 = 0.5% (a name next to an office phone; a dashed SSN-shaped parcel reference)
    assert len(flagged) / len(rows) < 0.05, flagged


@pytest.mark.timeout(60)  # a hang guard, not a benchmark: catastrophic backtracking would take hours
def test_long_adversarial_text_finishes():
    texts = ["a." * 20000, "12-" * 15000, ("salary " * 50 + "z" * 150 + " her " * 50 + "q" * 150) * 50,
             "password " * 5000, "+1 (" * 5000, "@" * 10000 + "a" * 10000]
    for text in texts:
        detect_sensitive(text)
