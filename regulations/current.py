"""The rulesets in force: the packaged instruments plus an operator's uploads, reloaded when
those change, so that every API process and worker uses an uploaded successor at once."""

from __future__ import annotations

from pathlib import Path

from regulations.loader import Rulesets, load_rulesets
from shixian.reloading import Reloading

_rulesets: dict[Path, Reloading[Rulesets]] = {}


def current_rulesets(directory: Path) -> Rulesets:
    if directory not in _rulesets:
        _rulesets[directory] = Reloading(directory, lambda dirs: load_rulesets(*dirs))
    return _rulesets[directory].current()
