"""`detect_sensitive(text)`: does this text hold data that must never leave the machine?

It answers with a `Sensitivity`: yes/no and the *kinds* found, never the values, so the answer can be logged and
shown. One checker per kind, each in its own module. It runs on every turn and inside the cloud client, so it
imports no NLP model. It fails closed: a non-str or any internal error answers sensitive, kind "detector_error".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chief_of_staff.sensitive.bank_account import find_bank_account
from chief_of_staff.sensitive.contact_details import find_contact_details
from chief_of_staff.sensitive.credential import find_credential
from chief_of_staff.sensitive.crypto_wallet import find_crypto_wallet
from chief_of_staff.sensitive.financial_record import find_financial_record
from chief_of_staff.sensitive.government_id import find_government_id
from chief_of_staff.sensitive.health_record import find_health_record
from chief_of_staff.sensitive.legal_record import find_legal_record
from chief_of_staff.sensitive.payment_card import find_payment_card
from chief_of_staff.sensitive.text import normalise

log = logging.getLogger(__name__)

KINDS = (
    "bank_account",  # IBAN, routing number, account number or sort code
    "contact_details",  # a person's email, phone number or home address
    "credential",  # keys, tokens, private keys, passwords, URL passwords
    "crypto_wallet",  # Bitcoin or Ethereum address
    "financial_record",  # a specific person's financial records
    "government_id",  # SSN, ITIN, passport, driver's licence, Medicare, National Insurance, tax and national IDs
    "health_record",  # health details of a specific person
    "legal_record",  # privileged or personal legal matters of a specific person
    "payment_card",  # a Luhn-valid card number
    "detector_error",  # the detector itself failed: fail closed
)
CHECKERS = {
    "bank_account": find_bank_account,
    "contact_details": find_contact_details,
    "credential": find_credential,
    "crypto_wallet": find_crypto_wallet,
    "financial_record": find_financial_record,
    "government_id": find_government_id,
    "health_record": find_health_record,
    "legal_record": find_legal_record,
    "payment_card": find_payment_card,
}  # kind -> checker; looked up at call time so a test can swap one


@dataclass(frozen=True)
class Sensitivity:
    """Whether a text is sensitive, and which kinds of data it holds (sorted names, never the matched values)."""

    sensitive: bool
    kinds: tuple[str, ...]  # sorted, unique names from KINDS

    def __bool__(self) -> bool:
        return self.sensitive


DETECTOR_ERROR = Sensitivity(True, ("detector_error",))


def detect_sensitive(text: str) -> Sensitivity:
    """Which kinds of sensitive data `text` holds; fails closed (sensitive, "detector_error") instead of raising."""
    try:
        if not isinstance(text, str):
            log.error("sensitive-data detector got a %s, not a str: treating it as sensitive", type(text).__name__)
            return DETECTOR_ERROR
        text = normalise(text)
        kinds = tuple(kind for kind, check in CHECKERS.items() if check(text))
        return Sensitivity(bool(kinds), kinds)
    except Exception as error:  # fail closed; log the type only, since a message could quote the text
        log.error("sensitive-data detector failed (%s): treating the text as sensitive", type(error).__name__)
        return DETECTOR_ERROR
