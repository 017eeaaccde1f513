"""The PostgreSQL pipeline's reads (`ingest.pipeline`), scoped in SQL.

The pipeline sends its own statements over an async connection, so the ORM's tenant filter
(`Scope.tenant_q`) is written here as SQL over a JSON list of (conversation, scope rule):
a row is locked only when the scope asking for it sees it, so one tenant's batch never
holds locks on another tenant's rows. `scope_rule` and the SQL condition state the same
rule as `Scope.sees` (tested to agree in `tests/test_ingest_queries.py`).
"""

from __future__ import annotations

from typing import Any

from kefu.core.scope import Scope
from kefu.desk.models import Conversation, Message


def scope_rule(scope: Scope) -> dict[str, Any]:
    """The parts of `Scope.sees` the lock query needs, as JSON values."""
    if scope.all_tenants:
        return {"kind": "all", "own": None, "partners": []}
    if scope.organization_id is None or not (scope.is_provider or scope.is_client):
        return {"kind": "none", "own": None, "partners": []}
    return {
        "kind": "provider" if scope.is_provider else "client",
        "own": scope.organization_id,
        "partners": sorted(scope.partner_ids),
    }


# `Scope.sees(c.provider_id, c.client_id)` for the scope rule `w`.
_SEES = (
    "(w.kind = 'all'"
    " OR (w.kind = 'provider' AND ("
    '("{c}"."{p}" = w.own AND ("{c}"."{cl}" IS NULL OR "{c}"."{cl}" = ANY(w.partners)))'
    ' OR ("{c}"."{p}" IS NULL AND "{c}"."{cl}" = ANY(w.partners))))'
    " OR (w.kind = 'client' AND "
    '"{c}"."{cl}" = w.own AND ("{c}"."{p}" IS NULL OR "{c}"."{p}" = ANY(w.partners))))'
)


def conversations_for_update(
    columns: str, wanted: str, external_ids: list[str]
) -> tuple[str, tuple[list[str], str]]:
    """Lock the conversations of `wanted` (JSON: `[{"id", "kind", "own", "partners"}]`, see
    `scope_rule`) that their scope sees, in id order, and return `columns` of each, then the
    ids of its messages carrying one of `external_ids` (a connector's retries; usually
    none), so the lock and the retry check are one statement. A conversation asked for by
    several scopes may come back more than once; the caller still checks each item's scope.
    """
    conversation, message = Conversation._meta, Message._meta
    names = {
        "c": conversation.db_table,
        "p": conversation.get_field("provider").column,
        "cl": conversation.get_field("client").column,
    }
    sql = (
        # One index probe per (conversation, external id), however long the thread.
        'SELECT {columns}, ARRAY(SELECT "{m}"."{m_pk}" FROM unnest(%s::text[]) AS wanted(key) '
        'JOIN "{m}" ON "{m}"."{m_conversation}" = "{c}"."{c_pk}" AND "{m}"."{m_external_id}" = wanted.key '
        'AND "{m}"."{m_external_id}" <> \'\' '
        'ORDER BY "{m}"."{m_pk}") '
        'FROM "{c}" JOIN jsonb_to_recordset(%s::jsonb) '
        "AS w(id bigint, kind text, own bigint, partners bigint[]) "
        'ON "{c}"."{c_pk}" = w.id WHERE ' + _SEES + ' ORDER BY "{c}"."{c_pk}" FOR UPDATE OF "{c}"'
    ).format(
        columns=columns,
        c_pk=conversation.pk.column,
        m=message.db_table,
        m_pk=message.pk.column,
        m_conversation=message.get_field("conversation").column,
        m_external_id=message.get_field("external_id").column,
        **names,
    )
    return sql, (external_ids, wanted)


def messages_by_id(columns: str, message_ids: list[int]) -> tuple[str, tuple[list[int]]]:
    """These messages, for a caller that checked the scope on their conversations (a message
    carries its conversation's tenant keys)."""
    meta = Message._meta
    return f'SELECT {columns} FROM "{meta.db_table}" WHERE "{meta.pk.column}" = ANY(%s)', (message_ids,)
