"""What ``admit serve`` holds between requests: the office's :class:`Admit` and short-lived caches."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from admission.app import Admit
from admission.ledger.accounts import User
from admission.ledger.database import Ledger


@dataclass
class Upload:
    """One screening upload: its files (in a private temporary folder), their names as uploaded, and results."""

    folder: Path
    owner: int
    results: list[dict[str, Any]]
    sources: list[str]
    names: dict[str, str]  # each kept file's path -> the name it was uploaded under
    kept_at: float = field(default_factory=time.monotonic)


@dataclass
class PendingImport:
    """A 台账 workbook uploaded for a preview, waiting for its confirmation (an hour at most)."""

    folder: Path
    name: str
    owner: int
    kept_at: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> Path:
        return self.folder / "book.xlsx"


@dataclass
class State:
    """What the application holds: the office's :class:`Admit`, and short-lived caches."""

    admit: Admit
    failures: OrderedDict[tuple[str, str], deque[float]] = field(default_factory=OrderedDict)
    tokens: OrderedDict[str, tuple[User, float]] = field(default_factory=OrderedDict)
    uploads: OrderedDict[str, Upload] = field(default_factory=OrderedDict)
    imports: dict[str, PendingImport] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ledger(self) -> Ledger:
        return self.admit.ledger(create=True)
