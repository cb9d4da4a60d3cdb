"""Crypto wallet addresses: Bitcoin (base58check and bech32, checked by python-stdnum's `bitcoin`) and Ethereum-style
0x addresses (40 hex digits; the EIP-55 mixed-case checksum needs Keccak, which hashlib lacks, so the shape decides)."""

from __future__ import annotations

import re

from stdnum import bitcoin

_BITCOIN = re.compile(r"(?<![\w])(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71})(?!\w)", re.IGNORECASE)
# Taproot (bech32m) by shape: python-stdnum 2.2 checks bech32 checksums only
_TAPROOT = re.compile(r"(?<![\w])bc1p[02-9ac-hj-np-z]{58}(?!\w)", re.IGNORECASE)
_ETHEREUM = re.compile(r"(?<![\w])0x[0-9a-fA-F]{40}(?![\w])")


def find_crypto_wallet(text: str) -> bool:
    if _ETHEREUM.search(text) or _TAPROOT.search(text):
        return True
    return any(bitcoin.is_valid(match.group()) for match in _BITCOIN.finditer(text))
