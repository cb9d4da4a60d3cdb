"""Escalation to Claude: tier policy, confidence, criticality, prices and the spend ledger. The sensitive-data
guard that decides tier 4 is its own package, chief_of_staff/sensitive/."""
