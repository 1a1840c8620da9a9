from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from admission.rulebook import Rulebook, load_rulebook

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
SAMPLES_DIR = ROOT / "samples"
REVIEW_DATE = date(2026, 11, 21)


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(RULES_DIR)
