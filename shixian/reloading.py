"""Data loaded from an operator's directory, reloaded when a file there changes.

Every API process and worker sees a calendar year or ruleset an administrator added, without
a restart, at the cost of listing one directory per use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

DATA_SUFFIXES = (".yaml", ".yml")


class Reloading(Generic[T]):
    def __init__(self, directory: Path, load: Callable[[list[Path]], T]) -> None:
        """`load` receives `[directory]` when it holds data files, else `[]`."""
        self.directory = directory
        self._load = load
        self._lock = threading.Lock()
        self._loaded: tuple[tuple[tuple[str, float], ...], T] | None = None

    def current(self) -> T:
        files = (
            sorted(p for p in self.directory.iterdir() if p.suffix in DATA_SUFFIXES)
            if self.directory.is_dir()
            else []
        )
        fingerprint = tuple((str(f), f.stat().st_mtime) for f in files)
        with self._lock:
            if self._loaded is None or self._loaded[0] != fingerprint:
                self._loaded = (fingerprint, self._load([self.directory] if files else []))
            return self._loaded[1]
