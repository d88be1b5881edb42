"""Demo reference data: for each of the five instruments, an authority, two departments, users
and catalog resources, so that every process can be walked through on `make run`."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from models import ApiToken, CatalogResource, Department, User
from service.access import hash_token
from service.accounts import hash_password
from workflows.common import DepartmentKind, OpenType, Role, ShareType

AUTH, CENTRE, ORD = (
    DepartmentKind.COMPETENT_AUTHORITY,
    DepartmentKind.SERVICE_CENTRE,
    DepartmentKind.ORDINARY,
)

DEPARTMENTS = [
    ("hubei-bigdata", "湖北省政务服务和大数据管理局", "hubei", AUTH),
    ("hubei-police", "湖北省公安厅", "hubei", ORD),
    ("hubei-civil", "湖北省民政厅", "hubei", ORD),
    ("lichuan-centre", "利川市智慧城市建设服务中心", "hubei.lichuan", CENTRE),
    ("lichuan-police", "利川市公安局", "hubei.lichuan", ORD),
    ("lichuan-civil", "利川市民政局", "hubei.lichuan", ORD),
    ("hebei-data", "河北省数据和政务服务局", "hebei", AUTH),
    ("hebei-police", "河北省公安厅", "hebei", ORD),
    ("hebei-hrss", "河北省人力资源和社会保障厅", "hebei", ORD),
    ("dongying-bigdata", "东营市大数据局", "shandong.dongying", AUTH),
    ("dongying-police", "东营市公安局", "shandong.dongying", ORD),
    ("dongying-civil", "东营市民政局", "shandong.dongying", ORD),
    ("yuhua-data", "长沙市雨花区数据资源中心", "hunan.changsha.yuhua", AUTH),
    ("yuhua-police", "长沙市公安局雨花分局", "hunan.changsha.yuhua", ORD),
    ("yuhua-civil", "长沙市雨花区民政局", "hunan.changsha.yuhua", ORD),
]

# (token key, name, role, department)
USERS = [
    ("admin", "系统管理员", Role.ADMIN, None),
    ("auditor", "审计员", Role.AUDITOR, None),
    ("public", "公众用户", Role.PUBLIC, None),
    ("hubei-supervisor", "湖北监管员", Role.SUPERVISOR, "hubei-bigdata"),
    ("hubei-provider", "湖北公安经办人", Role.CASEWORKER, "hubei-police"),
    ("hubei-applicant", "湖北民政经办人", Role.CASEWORKER, "hubei-civil"),
    ("lichuan-centre", "利川服务中心审核员", Role.SUPERVISOR, "lichuan-centre"),
    ("lichuan-provider", "利川公安经办人", Role.CASEWORKER, "lichuan-police"),
    ("lichuan-applicant", "利川民政经办人", Role.CASEWORKER, "lichuan-civil"),
    ("hebei-supervisor", "河北监管员", Role.SUPERVISOR, "hebei-data"),
    ("hebei-provider", "河北公安经办人", Role.CASEWORKER, "hebei-police"),
    ("hebei-applicant", "河北人社经办人", Role.CASEWORKER, "hebei-hrss"),
    ("dongying-supervisor", "东营监管员", Role.SUPERVISOR, "dongying-bigdata"),
    ("dongying-provider", "东营公安经办人", Role.CASEWORKER, "dongying-police"),
    ("dongying-applicant", "东营民政经办人", Role.CASEWORKER, "dongying-civil"),
    ("yuhua-supervisor", "雨花监管员", Role.SUPERVISOR, "yuhua-data"),
    ("yuhua-provider", "雨花公安经办人", Role.CASEWORKER, "yuhua-police"),
    ("yuhua-applicant", "雨花民政经办人", Role.CASEWORKER, "yuhua-civil"),
]

HUKOU_FIELDS = ["姓名", "身份证号", "户籍地址", "婚姻状况"]


def _resources(prefix: str, provider: str) -> list[CatalogResource]:
    return [
        CatalogResource(
            id=f"{prefix}-hukou",
            name="户籍人口基本信息",
            provider_id=provider,
            share_type=ShareType.CONDITIONAL,
            open_type=OpenType.NOT_OPEN,
            legal_basis="《中华人民共和国户口登记条例》",
            conditions="仅限履行法定职责所需的核验",
            fields=HUKOU_FIELDS,
            update_cycle="每日",
        ),
        CatalogResource(
            id=f"{prefix}-org",
            name="公安机关机构名录",
            provider_id=provider,
            share_type=ShareType.UNCONDITIONAL,
            open_type=OpenType.UNCONDITIONAL,
            fields=["机构名称", "统一社会信用代码", "地址"],
            update_cycle="每月",
        ),
        CatalogResource(
            id=f"{prefix}-case",
            name="刑事案件侦查信息",
            provider_id=provider,
            share_type=ShareType.NOT_SHARED,
            open_type=OpenType.NOT_OPEN,
            legal_basis="《中华人民共和国刑事诉讼法》",
            fields=["案件编号", "案由"],
            update_cycle="实时",
        ),
    ]


@dataclass
class DemoWorld:
    tokens: dict[str, str]  # token key -> token (only for users created now)
    user_ids: dict[str, int]
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password


def new_password(_: str) -> str:
    """Twelve letters and digits: typed by hand from the launcher's output."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(12))
        if not (password.isalpha() or password.isdigit()):
            return password


def load_demo(
    session: Session,
    token_for: Callable[[str], str] = lambda _: secrets.token_urlsafe(24),
    password_for: Callable[[str], str] | None = None,
    token_expires_at: datetime | None = None,
) -> DemoWorld | None:
    """Create the demo world once; returns None if departments already exist.

    Each user's username is their key. With `password_for` they get a workbench password
    (hashing one takes tens of milliseconds, so tests that need no login leave it out)."""
    if session.exec(select(Department.id)).first() is not None:
        return None
    for code, name, jurisdiction, kind in DEPARTMENTS:
        session.add(Department(id=code, name=name, jurisdiction=jurisdiction, kind=kind))
    session.flush()
    for prefix in ("hubei", "lichuan", "hebei", "dongying", "yuhua"):
        for resource in _resources(prefix, f"{prefix}-police"):
            session.add(resource)
    tokens, ids, passwords = {}, {}, {}
    for key, name, role, department in USERS:
        password = password_for(key) if password_for else None
        user = User(
            name=name,
            role=role,
            department_id=department,
            username=key,
            password_hash=hash_password(password) if password else None,
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        token = token_for(key)
        session.add(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(token),
                prefix=token[:8],
                expires_at=token_expires_at,
            )
        )
        tokens[key], ids[key] = token, user.id
        if password:
            passwords[key] = password
    session.commit()
    return DemoWorld(tokens=tokens, user_ids=ids, passwords=passwords)
