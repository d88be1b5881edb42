"""Which jurisdictions the platform knows: those of its departments and of its rulesets
(hubei, hubei.lichuan, …), and each one they lie inside. A filter naming another is a
mistake to say, not an empty answer."""

from __future__ import annotations

from sqlmodel import Session, select

from models import Department
from regulations import Rulesets
from service.errors import Invalid
from service.labels import jurisdiction_name, listing


def known_jurisdictions(session: Session, rulesets: Rulesets) -> set[str]:
    codes = set(session.exec(select(Department.jurisdiction).distinct()).all())
    # A national instrument covers every jurisdiction; it adds none.
    codes |= {ruleset.spec.jurisdiction for ruleset in rulesets if not ruleset.national}
    return {
        ".".join(code.split(".")[:size])
        for code in codes
        for size in range(1, len(code.split(".")) + 1)
    }


def check_jurisdiction(session: Session, rulesets: Rulesets, code: str | None) -> str | None:
    """`code` if the platform knows it (None passes: no filter)."""
    if code is None:
        return None
    known = known_jurisdictions(session, rulesets)
    if code not in known:
        raise Invalid(
            f"辖区“{code[:60]}”不存在；已知辖区："
            f"{listing((c, jurisdiction_name(c)) for c in sorted(known))}。",
            "unknown_jurisdiction",
        )
    return code
