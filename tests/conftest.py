from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from admission.rules.rulebook import Rulebook, load_rulebook

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
SAMPLES_DIR = ROOT / "samples"
REVIEW_DATE = date(2026, 11, 21)


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(RULES_DIR)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    from .databases import start_postgres

    yield from start_postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every ledger test runs on a SQLite file and on a real PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "admit.db")
    from .databases import fresh_database

    server: str = request.getfixturevalue("postgres_server")
    return fresh_database(server)
