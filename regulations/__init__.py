"""Rulesets: the five instruments (and any successor) as data files, validated on load.

A file in `regulations/data/` or in the operator's ruleset directory describes one instrument:
its identity, where and when it is in force, and per process the stages, who acts, the
working days and what happens when time runs out, each with its article. `load_rulesets` reads
and validates them; `Ruleset.resolve` picks the one governing a case by jurisdiction and the
Beijing date of receipt.
"""

from regulations.current import current_rulesets
from regulations.loader import (
    Ruleset,
    RulesetError,
    RulesetNotApplicable,
    RulesetNotInForce,
    Rulesets,
    load_rulesets,
)

__all__ = [
    "Ruleset",
    "RulesetError",
    "RulesetNotApplicable",
    "RulesetNotInForce",
    "Rulesets",
    "current_rulesets",
    "load_rulesets",
]
