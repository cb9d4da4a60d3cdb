"""Tier 4's sensitive-data guard: what must never leave the machine, one module per kind of data.

Built on well-kept libraries where they do the job, with the project's own policy on top:
- python-stdnum: checksums and issuing rules of identifiers (Luhn, IBAN, ABA routing, SSN, ITIN, EIN, SIN, Bitcoin);
- phonenumbers (libphonenumber): every country's phone numbering plan;
- detect-secrets (Yelp): vendor key and token shapes and private keys.
Microsoft Presidio was tried and left out: importing even its pattern recognizers imports spaCy (1.8 s and ~200 MB
on every start), and without spaCy's tokens its context words, the part that makes its weak patterns usable
(passports, driver's licences), are off. Its recognizers' own tests are part of our evaluation (tests/data/
sensitive_public/), and the label-near-value rule in government_id.py does what its context words do.

The policy on top: numbers and secrets flag on their own once their checksum or shape holds; bare digits that could
be anything need their label nearby; topic words (health, legal, money) flag only when tied to a specific person;
the business's own published contact details are allowed.
"""

from chief_of_staff.sensitive.detector import CHECKERS, DETECTOR_ERROR, KINDS, Sensitivity, detect_sensitive

__all__ = ["CHECKERS", "DETECTOR_ERROR", "KINDS", "Sensitivity", "detect_sensitive"]
