"""Escalation to Claude: tier policy, confidence, criticality, sensitive data, prices and the spend ledger."""
