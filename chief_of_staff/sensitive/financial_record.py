"""Financial records of a specific person: bank statements, tax returns, salary, credit reports, debts, loans.
A topic word needs its person (records.py); the user's own needs a sum ("my salary is 45000", not "my tax return is
due"). Bank account numbers themselves are bank_account.py's."""

from __future__ import annotations

from chief_of_staff.sensitive.records import first_person, tied_to_person, topic

_FINANCIAL_WORDS = (
    r"bank statements?|tax returns?|salary|salaries|pay ?slips?|pay stubs?|P60|P45|W-2|1099|credit (?:score|report"
    r"|history|rating|check|card debt)|loan (?:applications?|statement|balance)|mortgage|debts?|arrears|bankrupt[a-z]*"
    r"|insolven[a-z]*|net worth|income|pensions?|investment portfolio|brokerage account|inheritance|benefits claim"
    r"|wage garnishment|garnish[a-z]*|overdraft|child support|alimony|payday loan|ccj|county court judgment"
    r"|loans?|loan default|defaulted|missed (?:\d+ )?payments|collections|AGI|adjusted gross income"
    r"|(?:federal|state|tax) refund|raise letters?|pay rise|bonus|wages|compensation"
)
_SUBJECT, _MINE = topic(_FINANCIAL_WORDS), first_person(_FINANCIAL_WORDS)


def find_financial_record(text: str) -> bool:
    return tied_to_person(text, _SUBJECT, _MINE, needs_sum=True)
