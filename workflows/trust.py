"""Who may act on a case: the API's signed word, checked by the case before it accepts.

Anyone who can reach Temporal's frontend can send an update naming any actor. So the API,
which authenticated the person, signs what it asks of a case: an HMAC-SHA256 over the case,
the action, the actor, the platform's receipt time, the time the case may accept it until,
and what the actor wrote, with a key every API process and worker shares
(`Settings.action_keys`). A case's update validators accept only what carries a valid
signature (`problem`). A forged update is refused before it reaches the history.

The key reaches the workflows without touching their determinism: the worker `install`s it
in this module, which the worker passes through its sandbox (worker.py), so workflow code
reads the very module the worker set. Only update validators read it, and Temporal never
runs a validator when it replays a history (an accepted update is in the history, a refused
one never is): rotating or losing the key changes how new actions are judged, never how a
recorded case replays. Nothing of the key is ever in a history, and the signature proves
nothing to someone without the key: it is a check between the platform's own processes.

Standard library only: workflow code imports it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from workflows.common import Actor, Assertion

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_keys: tuple[bytes, ...] = ()


def install(keys: Iterable[bytes]) -> None:
    """The keys this process checks signatures with (the worker, at start)."""
    global _keys
    _keys = tuple(keys)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def message(
    case_id: str,
    action: str,
    actor: Actor,
    received_at: datetime,
    accept_by: datetime,
    payload: Mapping[str, object],
) -> bytes:
    """What is signed: one unambiguous JSON array, the same whichever process builds it."""
    fields = [
        "shixian-action-1",
        case_id,
        action,
        [actor.user_id, str(actor.role), actor.name, actor.department_id, actor.jurisdiction],
        _micros(received_at),
        _micros(accept_by),
        payload,
    ]
    return json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def signature(key: bytes, signed: bytes) -> str:
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


def sign(
    key: bytes,
    case_id: str,
    action: str,
    actor: Actor,
    received_at: datetime,
    accept_by: datetime,
    payload: Mapping[str, object],
) -> Assertion:
    signed = message(case_id, action, actor, received_at, accept_by, payload)
    return Assertion(received_at, accept_by, signature(key, signed))


def problem(
    case_id: str,
    action: str,
    actor: Actor,
    assertion: Assertion | None,
    payload: Mapping[str, object],
) -> str | None:
    """Why the case must not believe this action came from the platform, or None."""
    if assertion is None:
        return "操作未经平台签名，不予受理。"
    if not _keys:
        return "工作流处理进程未配置操作签名密钥，不能受理操作。"
    signed = message(case_id, action, actor, assertion.received_at, assertion.accept_by, payload)
    for key in _keys:
        if hmac.compare_digest(signature(key, signed), assertion.signature):
            return None
    return "操作签名无效，不予受理。"
