"""Every sample through the real CLI, against the verdict recorded in samples/expected.toml."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest
from click.testing import CliRunner

from admission.cli import main

from . import reference
from .conftest import REVIEW_DATE, SAMPLES_DIR

EXPECTED: dict[str, dict[str, Any]] = tomllib.loads((SAMPLES_DIR / "expected.toml").read_text(encoding="utf-8"))
EXIT_CODES = {"approve": 0, "reject": 1, "conditional": 3, "invalid": 2}


def test_every_sample_has_an_expectation_and_every_expectation_a_sample() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in SAMPLES_DIR.glob("*.json"))


def test_samples_cover_every_verdict_of_every_type() -> None:
    seen = set()
    for name, expected in EXPECTED.items():
        if expected["verdict"] != "invalid":
            data = json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"))
            seen.add((data["type"], expected["verdict"]))
    types = ["industrial", "industrial_real_estate", "logistics"]
    assert seen >= {(t, v) for t in types for v in ("approve", "conditional", "reject")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_gets_its_recorded_verdict(name: str) -> None:
    expected = EXPECTED[name]
    result = CliRunner().invoke(main, ["check", "--json", "--as-of", REVIEW_DATE.isoformat(), str(SAMPLES_DIR / name)])
    assert result.exit_code == EXIT_CODES[expected["verdict"]], result.output
    output = json.loads(result.stdout)
    if expected["verdict"] == "invalid":
        assert output["error"]["kind"] == "invalid_input"
        assert [p["path"] for p in output["error"]["problems"]] == expected["problems"]
        assert all(p["message"] for p in output["error"]["problems"])
        return
    assert output["verdict"] == expected["verdict"]
    assert [f["rule"] for f in output["findings"] if f["outcome"] == "fail"] == expected["failed"]


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["verdict"] != "invalid"))
def test_sample_verdict_matches_the_reference_evaluator(name: str) -> None:
    from decimal import Decimal

    data = json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)
    assert reference.evaluate(data, REVIEW_DATE).verdict == EXPECTED[name]["verdict"]
