"""Bounded fuzzing of the whole API from its own OpenAPI document (schemathesis, in-process).

Every operation gets a few generated requests, valid and invalid by the schema, as each of three
roles (provider admin, agent, client admin). Whatever comes in: never a 5xx, and every 4xx has the
documented error body. Deterministic (derandomized, a fixed number of examples) and bounded, so it
runs in the ordinary suite on SQLite and on PostgreSQL.

Its first run, before the fixes of the same change, found 31 distinct failures: 5xx on
`GET /api/cases`, `/api/conversations` and `/api/quick-phrases` (integers beyond 64 bits in the
query string and page numbers whose offset overflows), and 28 operations answering an
unreadable body with the undocumented code `error`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from kefu.config.api import ERROR_CODES
from kefu.desk import services as desk_services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

ROLES = [("pa", "provider_admin"), ("pa", "agent"), ("ca1", "client_admin")]
EXAMPLES = 4  # per operation and generation mode; raise it locally to dig deeper


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI handler on the test's own connection: the requests see the test's rows, and
    the handler must not close the connection the test's transaction lives on."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def problem_of(response: Any) -> str | None:
    """What is wrong with one answer, or None."""
    if response.status_code >= 500:
        return f"{response.status_code}"
    if response.status_code < 400:
        return None
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} without the error body: {response.content[:120]!r}"
    if not isinstance(error, dict) or error.get("code") not in ERROR_CODES or not error.get("message"):
        return f"{response.status_code} with an undocumented error: {error!r}"[:300]
    return None


def test_the_api_answers_every_generated_request_without_5xx(tenants: Tenants, wsgi_app: WSGIHandler) -> None:
    scope = tenants.scope("pa", "agent")
    desk_services.conversation_create(scope, channel="chat", client_id=tenants.ca1.pk, message="在吗")
    tokens = [
        tenancy_services.api_token_create(user=tenants.user(org, role), name="fuzz")[1] for org, role in ROLES
    ]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    failures: dict[str, list[str]] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode), token=st.sampled_from(tokens))
            def call(case: Any, token: str) -> None:
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                problem = problem_of(response)
                if problem:
                    failures.setdefault(f"{case.operation.label}: {problem.split(':')[0]}", []).append(
                        f"{problem} <- {case.as_curl_command()}"[:600]
                    )

            call()
    assert operations > 50, operations
    assert not failures, "\n".join(f"{key}\n    {found[0]}" for key, found in sorted(failures.items()))
