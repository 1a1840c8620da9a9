"""The digest of an application's canonical JSON: what the ledger stores beside each revision and
the opinions print, and what ``ledger verify`` recomputes (light: no pydantic)."""

from __future__ import annotations

import hashlib


def application_digest(canonical: str) -> str:
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
