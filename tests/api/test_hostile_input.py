"""Hostile text never reaches a case or the database (issue 18), on SQLite and PostgreSQL.

Every free-text field of every process request, every action payload, every draft edit and
every admin writer is sent a NUL, a lone surrogate and a right-to-left override: each answers
422 with a Chinese message naming the field, nothing is written, and the case then walks to
its end as usual. Paths and query strings get the same rule.
"""

from __future__ import annotations

import json
import stat
import typing
from typing import Any

import httpx
from pydantic import BaseModel
from sqlmodel import Session, func, select

from models import CaseSubmission, CatalogResource, Department, User
from service.submissions import PROCESSES
from service.submissions.catalog_update import DraftEdit
from service.views import ActionBody
from tests.api.test_catalog import import_catalog
from tests.api.test_rulesets_calendars import YEAR_2027 as YEAR
from tests.attachments import uploaded
from tests.cases import done, post_case
from tests.conftest import auth, both_databases
from tests.processes import WALKS, Walk, ordinary, prepare, take_the_steps
from tests.records import notices

CHARACTERS = {"NUL": "\x00", "surrogate": "\ud800", "RLO": "\u202e"}
HOSTILE = {kind: f"不符合{char}条件" for kind, char in CHARACTERS.items()}
# What the message names: the character, or (pydantic refuses it first) what a lone surrogate is.
CODE_POINTS = {"NUL": "U+0000", "surrogate": "代理码元", "RLO": "U+202E"}


async def send(
    api: httpx.AsyncClient, method: str, path: str, body: Any, key: str
) -> httpx.Response:
    """JSON as a client writes it: a lone surrogate travels as the escape \\ud800."""
    headers = {**auth(key), "Content-Type": "application/json"}
    return await api.request(method, path, content=json.dumps(body), headers=headers)


def text_fields(model: type[BaseModel]) -> list[tuple[str, str, bool]]:
    """(name, Chinese name, holds a list) of every field of `model` that holds text."""
    found = []
    for name, field in model.model_fields.items():
        leaves = _leaves(field.annotation)
        if str in leaves:
            found.append((name, field.title or name, list in leaves))
    return found


def _leaves(annotation: Any) -> set[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _leaves(typing.get_args(annotation)[0])
    arguments = typing.get_args(annotation)
    if not arguments:
        return {annotation}
    found = set().union(*(_leaves(a) for a in arguments))
    return found | ({list} if origin is list else set())


def refused(response: httpx.Response, name: str, title: str, kind: str, item: bool) -> None:
    assert response.status_code == 422, (name, kind, response.text)
    message = response.json()["message"]
    assert f"{title}（{name}）{'第1项' if item else ''}：" in message, message
    assert CODE_POINTS[kind] in message, message


def submissions(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(CaseSubmission)).one()


# -- processes, actions and draft edits ---------------------------------------------------------


@both_databases
async def test_hostile_text_in_any_field_is_refused_and_the_case_then_walks_to_its_end(
    api, clock, session
):
    # One test for every walk: each would otherwise start its own test server.
    for walk in WALKS:
        await refuse_then_walk(api, clock, session, walk)


async def refuse_then_walk(api, clock, session, walk: Walk) -> None:
    await prepare(api, clock, walk)
    attachments = [await uploaded(api, walk.submitter) for _ in range(min(walk.attachments, 1))]
    valid = walk.submission(ordinary, attachments)
    model = PROCESSES[walk.process].request
    before_refusals = submissions(session)
    for name, title, is_list in text_fields(model):
        for kind, value in HOSTILE.items():
            body = {**valid, name: [value] if is_list else value}
            response = await send(api, "POST", "/api/v1/cases", body, walk.submitter)
            refused(response, name, title, kind, is_list)
    assert submissions(session) == before_refusals, walk.process

    response = await api.post("/api/v1/cases", json=valid, headers=auth(walk.submitter))
    assert response.status_code == 201, response.text
    case = response.json()
    path = f"/api/v1/cases/{case['case_id']}"
    if walk.draft is not None:
        edit = walk.draft(ordinary)
        for name, title, is_list in text_fields(DraftEdit):
            for kind, value in HOSTILE.items():
                body = {**edit, name: [value] if is_list else value}
                response = await send(api, "POST", f"{path}/draft", body, walk.submitter)
                refused(response, name, title, kind, is_list)
        edited = await api.post(f"{path}/draft", json=edit, headers=auth(walk.submitter))
        assert edited.status_code == 200, edited.text
    before = (await api.get(path, headers=auth(walk.submitter))).json()["events"]
    first = walk.steps[0]
    for name, title, is_list in text_fields(ActionBody):
        for kind, value in HOSTILE.items():
            body = {**first.body(ordinary), name: value}
            response = await send(api, "POST", f"{path}/actions/{first.action}", body, first.actor)
            refused(response, name, title, kind, is_list)
    assert (await api.get(path, headers=auth(walk.submitter))).json()["events"] == before

    await take_the_steps(api, walk, case, ordinary)


@both_databases
async def test_a_refusal_reason_with_nul_is_refused_and_the_refusal_then_notified(api, session):
    """Issue 18's case: on PostgreSQL the NUL used to freeze the case in its notice."""
    case = (
        await post_case(api, "hubei-applicant", resource_id="hubei-hukou", fields=["姓名"])
    ).json()
    action = f"/api/v1/cases/{case['case_id']}/actions/reject"
    nul = await send(api, "POST", action, {"reason": "不符合\x00条件"}, "hubei-provider")
    assert (nul.status_code, nul.json()["code"]) == (422, "invalid_request")
    assert nul.json()["message"].startswith("请求内容无效：理由（reason）：第4个字符（U+0000）")
    state = await done(api, "hubei-provider", case, "reject", reason="不符合条件")
    assert state["stage"] == "refused"
    told = notices(session, case["case_id"], "rejected")
    assert told and all("不符合条件" in notice.body for notice in told)


# -- admin writers ------------------------------------------------------------------------------

DEPARTMENT = {"id": "hubei-health", "name": "湖北省卫生健康委员会", "jurisdiction": "hubei"}
USER = {"name": "湖北卫健经办人", "role": "caseworker", "department_id": "hubei-police"}
RESOURCE = {
    "id": "hubei-birth",
    "name": "出生医学证明信息",
    "provider_id": "hubei-police",
    "share_type": "conditional",
    "open_type": "not_open",
    "legal_basis": "《中华人民共和国母婴保健法》",
    "conditions": "仅限户籍登记核验",
    "fields": ["姓名", "出生日期"],
    "update_cycle": "每日",
    "status": "active",
}
LABELS = {
    "id": ("部门编码", "资源编码"),
    "name": ("部门名称", "姓名", "资源名称"),
    "jurisdiction": ("辖区代码",),
    "kind": ("部门类型",),
    "role": ("角色",),
    "department_id": ("部门编码",),
    "provider_id": ("提供部门编码",),
    "share_type": ("共享类型",),
    "open_type": ("开放类型",),
    "legal_basis": ("法律依据",),
    "conditions": ("共享条件",),
    "fields": ("字段名称",),
    "update_cycle": ("更新周期",),
    "status": ("资源状态",),
}


def refused_by_writer(response: httpx.Response, name: str, kind: str) -> None:
    assert response.status_code == 422, (name, kind, response.text)
    message = response.json()["message"]
    assert any(label in message for label in LABELS[name]), message
    assert CODE_POINTS[kind] in message, message


@both_databases
async def test_every_admin_writer_refuses_hostile_text_in_every_field_and_writes_nothing(
    api, session
):
    writers: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/api/v1/departments", DEPARTMENT),
        ("POST", "/api/v1/users", USER),
        ("POST", "/api/v1/catalog", RESOURCE),
        ("PATCH", "/api/v1/catalog/hubei-hukou", {k: v for k, v in RESOURCE.items() if k != "id"}),
    ]
    for method, path, valid in writers:
        for name in valid:
            for kind, value in HOSTILE.items():
                body = {**valid, name: [value] if isinstance(valid[name], list) else value}
                response = await send(api, method, path, body, "admin")
                refused_by_writer(response, name, kind)
    session.expire_all()
    assert session.get(Department, "hubei-health") is None
    assert session.exec(select(User).where(User.name == USER["name"])).first() is None
    assert session.get(CatalogResource, "hubei-birth") is None
    hukou = session.get(CatalogResource, "hubei-hukou")
    assert hukou is not None and hukou.version == 1
    for method, path, valid in writers:
        response = await api.request(method, path, json=valid, headers=auth("admin"))
        assert response.status_code in (200, 201), response.text


@both_databases
async def test_a_csv_import_refuses_each_hostile_cell_and_imports_the_other_rows(api, session):
    columns = list(RESOURCE)[:-1]  # the CSV has no status column
    lines = [",".join(columns)]
    for number, column in enumerate(columns):
        for kind in ("NUL", "RLO"):
            row = {**RESOURCE, "id": f"bad-{number}-{kind.lower()}", "fields": "姓名;出生日期"}
            row[column] = HOSTILE[kind] if column != "fields" else f"姓名;{HOSTILE[kind]}"
            lines.append(",".join(str(row[c]) for c in columns))
    lines.append(",".join(str({**RESOURCE, "fields": "姓名"}[c]) for c in columns))
    response = await import_catalog(api, "\n".join(lines).encode())
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["failed"]) == (1, 2 * len(columns))
    for row in report["rows"][:-1]:
        assert not row["ok"] and ("U+0000" in row["message"] or "U+202E" in row["message"])
    session.expire_all()
    assert session.get(CatalogResource, "hubei-birth") is not None
    # A lone surrogate cannot be in a UTF-8 file: its bytes (CESU-8) are no known encoding.
    cesu = "\n".join(lines[:1] + [lines[-1].replace("出生", "出\ud800生")]).encode(
        "utf-8", "surrogatepass"
    )
    response = await import_catalog(api, cesu)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_encoding")


async def upload_named(api: httpx.AsyncClient, name: str) -> httpx.Response:
    """A PDF whose file name is sent as raw UTF-8 (httpx would percent-encode a NUL)."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="'
        + name.encode()
        + b'"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n%%EOF\n\r\n--b--\r\n'
    )
    headers = {**auth("hubei-applicant"), "Content-Type": "multipart/form-data; boundary=b"}
    return await api.post("/api/v1/attachments", content=body, headers=headers)


@both_databases
async def test_uploaded_rulesets_calendars_and_file_names_follow_the_same_rule(api, settings):
    yaml = {**auth("admin"), "Content-Type": "application/yaml"}
    for kind in ("NUL", "RLO"):
        text = YEAR.replace("部分节假日", f"部分{HOSTILE[kind]}节假日")
        column = text.splitlines()[2].index(CHARACTERS[kind]) + 1
        response = await api.post("/api/v1/calendars", content=text.encode(), headers=yaml)
        assert (response.status_code, response.json()["code"]) == (422, "calendar_invalid")
        where = f"日历文件第3行第{column}个字符（{CODE_POINTS[kind]}）"
        assert response.json()["message"].startswith(where)
        ruleset = f"id: hostile\ntitle: 办法{HOSTILE[kind]}\n"
        response = await api.post("/api/v1/rulesets", content=ruleset.encode(), headers=yaml)
        assert (response.status_code, response.json()["code"]) == (422, "ruleset_invalid")
        assert f"规则集文件第2行第13个字符（{CODE_POINTS[kind]}）" in response.json()["message"]
        response = await upload_named(api, f"证明{HOSTILE[kind]}.pdf")
        assert (response.status_code, response.json()["code"]) == (422, "invalid_file_name")
        assert "附件文件名：第6个字符" in response.json()["message"]
    cesu = YEAR.replace("部分", "部\ud800分").encode("utf-8", "surrogatepass")
    response = await api.post("/api/v1/calendars", content=cesu, headers=yaml)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_encoding")
    assert not (settings.data_dir / "attachments").exists() or not [
        p for p in (settings.data_dir / "attachments").iterdir() if not p.name.startswith(".")
    ]
    response = await api.post("/api/v1/calendars", content=YEAR.encode(), headers=yaml)
    assert response.status_code == 201, response.text
    # Uploaded files are the service user's only.
    assert stat.S_IMODE(settings.calendars.stat().st_mode) == 0o700
    assert stat.S_IMODE((settings.calendars / "2027.yaml").stat().st_mode) == 0o600


# -- paths and query strings --------------------------------------------------------------------


@both_databases
async def test_paths_and_query_strings_follow_the_single_line_rule(api):
    for path in (
        "/api/v1/departments/hubei%00police",
        "/api/v1/departments/hubei%E2%80%AEpolice",
        "/api/v1/departments/hubei%ED%A0%80police",  # a surrogate's bytes: not UTF-8
        "/api/v1/departments/hubei%FFpolice",
        "/api/v1/cases/HB419-2026-000001%0A",
        "/api/v1/departments?jurisdiction=hubei%00",
        "/api/v1/cases?process=%E2%80%AEsharing",
        "/api/v1/catalog?provider=%ED%A0%80",
        "/api/v1/notices?case_id=%00",
        "/api/v1/reports/statistics?from=2026-01-01&to=2026-02-01&jurisdiction=%1B",
    ):
        response = await api.get(path, headers=auth("auditor"))
        assert (response.status_code, response.json()["code"]) == (422, "invalid_request"), path
        assert any(word in response.json()["message"] for word in ("请求路径", "查询参数")), path
    fine = await api.get("/api/v1/departments/hubei-police", headers=auth("auditor"))
    assert fine.status_code == 200
