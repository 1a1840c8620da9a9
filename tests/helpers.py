from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from .conftest import RULES_DIR, SAMPLES_DIR


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit_rules(rules_dir: Path, file: str, old: str, new: str) -> None:
    path = rules_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def samples_submitted_on(folder: Path, day: str) -> Path:
    """The samples as applications submitted on ``day`` (受理日期): a resolution binds to the revision
    in force at its meeting, so a ledger whose meetings are before the samples' own date needs them
    submitted earlier."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(SAMPLES_DIR.glob("*.json")):
        if path.name.startswith("invalid-"):  # the invalid samples stay exactly as they are
            (folder / path.name).write_bytes(path.read_bytes())
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("submitted_on"), str) and data["submitted_on"] > day:
            data["submitted_on"] = day
        (folder / path.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder
