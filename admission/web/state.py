"""What ``admit serve`` holds between requests: the office's :class:`Admit` and short-lived caches."""

from __future__ import annotations

import shutil
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from admission.app import Admit
from admission.ledger.accounts import User
from admission.ledger.database import Ledger
from admission.ledger.queries import ledger_version

T = TypeVar("T")
ANSWERS_KEPT = 8  # answers kept: at 50,000 projects the city-wide project list alone is about 100 MB


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
    answers: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)

    @property
    def ledger(self) -> Ledger:
        return self.admit.ledger(create=True)

    def remove_files(self) -> None:
        """Every uploaded file kept for a screening's documents or an import's confirmation (when
        the server stops: the screenings themselves stay in the database)."""
        with self.lock:
            folders = [u.folder for u in self.uploads.values()] + [i.folder for i in self.imports.values()]
            self.uploads.clear()
            self.imports.clear()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)

    def read_now(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()``: an answer read from the ledger as it is now (a list, a report, the
        monitor), kept until the ledger changes. Every write is an event, so the last event's
        number names the ledger's state: a 50,000-project page is computed once per change,
        not once per view. The answer is shared between requests: callers only read it."""
        with self.ledger.reading() as connection:
            version = ledger_version(connection)
        keyed = (version, *key)
        with self.lock:
            if keyed in self.answers:
                self.answers.move_to_end(keyed)
                return cast(T, self.answers[keyed])
        answer = compute()
        with self.lock:
            self.answers[keyed] = answer
            while len(self.answers) > ANSWERS_KEPT:
                self.answers.popitem(last=False)
        return answer
