"""Legal records of a specific person: custody, divorce, criminal records, lawsuits, immigration, disciplinary cases.
A topic word needs its person (records.py); "privileged and confidential" flags on its own."""

from __future__ import annotations

import re

from chief_of_staff.sensitive.records import first_person, tied_to_person, topic

_LEGAL_WORDS = (
    r"attorney[- ]client|custody|criminal (?:records?|convictions?|history|charges?|case|background)|convicted"
    r"|conviction|arrested|arrest|lawsuit|sued|suing|settlement (?:terms|agreement|offer|amount|figure)|divorce[a-z]*"
    r"|separation agreement|prenup[a-z]*|immigration (?:status|case|hearing|application)|visa (?:status|application)"
    r"|undocumented|deport[a-z]*|asylum|court (?:case|hearing|date|order|summons)|tribunal|restraining order"
    r"|probation|parole|dui|dwi|charged with|indict[a-z]*|plea (?:deal|bargain)|deposition|subpoena[a-z]*"
    r"|litigation|power of attorney|without prejudice|(?:harassment|discrimination|unfair dismissal) (?:claim|case"
    r"|complaint|allegations?)|disciplinary (?:hearing|case|action)|grievance|will and testament|eviction"
    r"|bankruptcy (?:filing|petition)|injunction|case (?:no|number)|harassment|misconduct|(?:final )?written warning"
    r"|disciplinary|investigation notes|complaint against|accused of|allegations? (?:of|against)|dismissal"
    r"|h-?1b|work visa|visa expir[a-z]*|out of status|work permit|right to work|overstay[a-z]*|green card"
    r"|background check|dbs check|restraining|custody dispute|family court|small claims|investigated"
    r"|under investigation"
    r"|fitness to practi[sc]e|bullying|grievance outcome|struck off|sanction(?:ed)?"
)
_SUBJECT, _MINE = topic(_LEGAL_WORDS), first_person(_LEGAL_WORDS)
_CONTENT = re.compile(
    r"\bprivileged (?:and|&) confidential\b|\blegally privileged\b|\battorney[- ]client privileged\b"
    r"|\b(?:case|docket|claim) (?:no\.?|number|#)\s*:?\s*\d{2,4}-?[A-Z]{1,4}-?\d{3,}"
    r"|\b[A-Z][a-z]+ v\.? [A-Z][a-z]+\b(?! \d)",  # a case name: "Harper v. Harper"
    re.IGNORECASE,
)


def find_legal_record(text: str) -> bool:
    return bool(_CONTENT.search(text)) or tied_to_person(text, _SUBJECT, _MINE)
