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
