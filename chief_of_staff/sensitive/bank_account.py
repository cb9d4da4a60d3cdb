"""Bank accounts: IBANs (python-stdnum checks the mod-97 digits and each country's BBAN layout), US ABA routing
numbers (stdnum's 3-7-1 checksum) next to a routing word, and account numbers or UK sort codes next to their label.
A customer or order "account number" is the business's own reference, not a bank account."""

from __future__ import annotations

import re

from stdnum import iban
from stdnum.exceptions import ValidationError
from stdnum.us import rtn

from chief_of_staff.sensitive.text import labelled

_IBAN = re.compile(  # written any way people write them: "ES 58 0049 ...", "BE 07-0682455012-66", "NO07.8380.08.06006"
    r"\b[A-Z]{2}[ .-]?\d{2}(?:[ .-]?[A-Z0-9]){10,32}", re.IGNORECASE)
_NINE_DIGITS = re.compile(r"(?<![\w-])\d{9}(?![\w-])")
_DASHED_ROUTING = re.compile(r"(?<![\w-])\d{4}-\d{4}-\d(?![\w-])")  # how cheques print it: 3222-7162-7
_ROUTING_LABEL = re.compile(r"\b(?:routing|aba|rtn|bank|transit number|ach|wire|fedwire)\b", re.IGNORECASE)
_ACCOUNT = re.compile(
    r"(?<!customer )(?<!order )(?<!loyalty )(?<!member )(?<!client )"
    r"\b(?:(?:bank|checking|chequing|savings|current|deposit) )?(?:account|acct|a/c)\.? ?(?:number|no\.?|num|#)?"
    r"\s*(?:is|:|=)?\s*(?:ending (?:in )?)?\d{6,17}\b"
    r"|\b(?:bank|checking|chequing|savings) (?:account|acct)\b[^.\n]{0,30}?\b\d{6,17}\b"
    r"|\bsort[ -]?code\s*(?:is|:)?\s*\d{2}[- ]?\d{2}[- ]?\d{2}\b"
    r"|\b\d{2}-\d{2}-\d{2}\s+\d{8}\b"  # sort code then account number, as UK invoices print them
    # "bank account 38 9013 000 98 73 00"
    r"|\b(?:bank|checking|chequing|savings) (?:account|acct)\b[^.\n]{0,12}?\b\d[\d -]{6,24}\d\b"
    r"|\b(?:CBU|CVU|CLABE|BSB|IFSC|BIC/IBAN)\b\s*:?\s*[A-Z0-9][\d -]{5,24}\d\b",
    re.IGNORECASE,
)


def _mod97_valid(number: str) -> bool:
    """stdnum's IBAN check (mod 97 and the country's length and layout) without its per-country bank registries:
    an IBAN of a bank stdnum does not list is still someone's account."""
    try:
        iban.validate(number, check_country=False)
    except ValidationError:
        return False
    return True


def _iban_valid(candidate: str) -> bool:
    compact = re.sub(r"[ .-]", "", candidate).upper()
    if sum(c.isdigit() for c in compact[4:]) < 6:
        return False
    # the pattern may run on into the next word: try the longest prefix that is a valid IBAN
    return any(_mod97_valid(compact[:length]) for length in range(len(compact), 14, -1))


def find_bank_account(text: str) -> bool:
    if any(_iban_valid(match.group()) for match in _IBAN.finditer(text)):
        return True
    if _ACCOUNT.search(text) or any(rtn.is_valid(m.group().replace("-", "")) for m in _DASHED_ROUTING.finditer(text)):
        return True
    return labelled(text, _ROUTING_LABEL, _NINE_DIGITS, rtn.is_valid, 50)
