"""Government IDs: SSN, ITIN and EIN, passports, driver's licences, Medicare (MBI and Australian), National Insurance,
tax numbers (UTR, TFN, SIN, a sole trader's EIN) and other national ID numbers.

python-stdnum validates the ones with a checksum or issuing rules (SSN areas, EIN prefixes, Canadian SIN); ITINs
use the IRS's group ranges. Shapes that are unmistakable flag on their own: a dashed SSN or ITIN, an MBI, a National
Insurance number, a DEA number with its check digit.
Shapes that are not (nine bare digits, a passport's letter and digits) need their label within a few words, the way
Presidio's recognizers use context words; "order 401224567" stays an order.
"""

from __future__ import annotations

import re

from stdnum.ca import sin
from stdnum.us import ein, ssn

from chief_of_staff.sensitive.text import labelled

_DASHED_SSN = re.compile(r"(?<![\w.-])\d{3}([-.])\d{2}\1\d{4}(?![\w-]|\.\d)")
_ITIN_GROUPS = re.compile(  # the IRS's ITIN group ranges (50-65, 70-88, 90-92, 94-99), wider than stdnum 2.2's
    r"9\d\d[-. ]?(?:5\d|6[0-5]|7\d|8[0-8]|9[0-2]|9[4-9])[-. ]?\d{4}")
_DEA = re.compile(r"\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b")  # a prescriber's DEA registration number
_NINE_DIGITS = re.compile(r"(?<![\w-])\d{3}[ -]?\d{2}[ -]?\d{4}(?![\w-])")
_SSN_LABEL = re.compile(r"\b(?:ssn|ss#|ssn#|social security|soc\.? ?sec|itin|taxpayer|tin|(?:my|his|her|their) social)",
                        re.IGNORECASE)
_EIN = re.compile(r"(?<![\w-])\d{2}-?\d{7}(?![\w-])")
_EIN_LABEL = re.compile(r"(?<!our )\b(?:ein|fein|employer identification|federal tax id|tax id|tax identification)\b",
                        re.IGNORECASE)
_MBI = re.compile(  # Medicare Beneficiary Identifier: 11 characters in a fixed pattern of digits and letters
    r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?"
    r"[AC-HJKMNP-RT-Y]{2}\d{2}\b"
)
_NINO = re.compile(  # UK National Insurance number: two prefix letters HMRC issues, six digits, suffix A-D
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE
)
_ID_TOKEN = re.compile(  # one number, maybe in groups ("384 920 175", "A1234-567"), never words with a year after them
    r"(?<![\w-])[A-Z]{0,5}\d[A-Z0-9]*(?:[ -][A-Z]{0,2}\d[A-Z0-9]*){0,4}(?:[ -][A-Z])?(?![\w-])")
_DOCUMENT_LABEL = re.compile(  # a document number's label; the number follows within a few words
    r"\b(?:passport|travel document|driver'?s? licen[cs]e|driving licen[cs]e|drivers? lic|dl|licen[cs]e (?:no|number|#)"
    r"|medicare|medicaid|mbi|national insurance|ni (?:no|number)|nino|national id|identity card|id card"
    r"|id (?:no|number)|personal (?:id|identification|number)|citizen ?(?:id|card)|resident (?:id|card|permit)"
    r"|green card|alien (?:number|registration)|a-number|visa (?:no|number)|npi|aadhaar|pan card|pesel|nif|nie"
    r"|dni|bsn|personnummer|codice fiscale|fiscal code|nir|sozialversicherungsnummer|steuer-?id|tax (?:file|code)"
    r"|state id|voter id|utr|unique taxpayer(?: reference)?|tfn|tax file(?: number)?)(?!\w)",
    re.IGNORECASE,
)
_SIN_LABEL = re.compile(r"\b(?:SIN|[Ss]ocial [Ii]nsurance)\b")  # "sin" in lower case is an English word
_SIN = re.compile(r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{3}(?![\w-])")
_NOT_AN_ID = re.compile(r"^(?:19|20)\d\d$|^\d{1,4}$")  # a year or a short count is not a document number


def _valid_ssn_or_itin(number: str) -> bool:
    number = number.replace(".", "-")
    return ssn.is_valid(number) or bool(_ITIN_GROUPS.fullmatch(number))


def _dea_valid(number: str) -> bool:
    digits = [int(c) for c in number[2:]]
    return (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10 == digits[6]


def _labelled_ssn_or_itin(number: str) -> bool:
    """Next to its label, any number the SSA could issue, even one stdnum knows from adverts (078-05-1120): a user
    who calls it an SSN is treated as pasting one."""
    digits = number.replace(" ", "").replace("-", "")
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    issuable = area not in ("000", "666") and group != "00" and serial != "0000"
    return (issuable and area[0] != "9") or bool(_ITIN_GROUPS.fullmatch(digits))


def _document_number(token: str) -> bool:
    compact = token.replace(" ", "").replace("-", "")
    return 5 <= len(compact) <= 18 and not _NOT_AN_ID.match(compact)


def find_government_id(text: str) -> bool:
    if any(_valid_ssn_or_itin(m.group()) for m in _DASHED_SSN.finditer(text)):
        return True
    if _MBI.search(text) or _NINO.search(text) or any(_dea_valid(m.group()) for m in _DEA.finditer(text)):
        return True
    return (
        labelled(text, _SSN_LABEL, _NINE_DIGITS, _labelled_ssn_or_itin)
        or labelled(text, _EIN_LABEL, _EIN, ein.is_valid)
        or labelled(text, _SIN_LABEL, _SIN, sin.is_valid)
        or labelled(text, _DOCUMENT_LABEL, _ID_TOKEN, _document_number, 30)
    )
