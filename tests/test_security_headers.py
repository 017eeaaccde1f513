"""Security headers of the pages: Content-Security-Policy with nonces, no-store when signed in."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

from kefu.testing.plugin import Tenants
from kefu.workforce import services as workforce_services
from kefu.workforce.tests.test_plans_campaigns import _offered_events

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "kefu"
INLINE_SCRIPT = r"<script(?![^>]*\s(?:src=|type=\"application/json\"))([^>]*)>"  # code, not data


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_run_only_our_scripts_and_inline_blocks_with_the_request_nonce(tenants: Tenants) -> None:
    _offered_events(tenants)
    scope = tenants.scope("pa", "workforce_planner")
    run = workforce_services.forecast_run_create_from_events(
        scope, client_id=tenants.ca1.pk, interval_minutes=30, horizon_days=7
    )
    page = tenants.client_for("pa", "workforce_planner").get(f"/workforce/forecasts/{run.pk}/")
    assert page.status_code == 200
    policy = _policy(page)
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    nonce = next(source for source in policy["script-src"] if source.startswith("'nonce-"))
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    inline = re.findall(INLINE_SCRIPT, page.content.decode())
    assert inline and all(f'nonce="{nonce[7:-1]}"' in attributes for attributes in inline)
    other = tenants.client_for("pa", "workforce_planner").get(f"/workforce/forecasts/{run.pk}/")
    assert _policy(other)["script-src"] != policy["script-src"]  # a new nonce each time


def test_sign_in_page_has_the_policy_too(db: None) -> None:
    assert "script-src 'self'" in Client().get("/login/")["Content-Security-Policy"]


def test_no_template_has_inline_event_handlers_or_unnonced_scripts() -> None:
    """The policy would silently block them in the browser."""
    offenders = []
    for template in TEMPLATES.glob("*/templates/**/*.html"):
        text = template.read_text()
        if re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(f"{template}: inline event handler")
        for attributes in re.findall(INLINE_SCRIPT, text):
            if "csp_nonce" not in attributes:
                offenders.append(f"{template}: inline <script> without the nonce")
    assert not offenders, offenders


def test_signed_in_pages_are_not_stored(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "agent")
    for url in ("/", "/desk/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
