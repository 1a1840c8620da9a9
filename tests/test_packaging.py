"""`pip install .` gives an `admit` that finds its rule book and templates inside the wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLES_DIR


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("admit-*.whl"))


def test_wheel_ships_the_rule_book_and_templates(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for rule_file in ROOT.glob("rules/*.toml"):
        assert f"admission/_data/rules/{rule_file.name}" in names
    assert any(n.startswith("admission/_data/templates/") for n in names)
    assert "Requires-Python: <3.13,>=3.11" in zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()


def test_installed_admit_runs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = f"import sys; sys.path.insert(0, {str(site)!r}); import admission.cli; admission.cli.main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "check", "--json", str(SAMPLES_DIR / "logistics-approve.json")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rulebook"]["version"] == "JM-2022"
    locate = f"import sys; sys.path.insert(0, {str(site)!r}); from admission.resources import data_dir; print(data_dir('rules'))"
    located = subprocess.run([sys.executable, "-c", locate], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert located.stdout.strip() == str(site / "admission" / "_data" / "rules")
