"""An agent switches to a meal break with one click in the workspace header; the state is kept
(the page shows it again after a reload, and routing's history has it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.routing import selectors as routing_selectors
from kefu.tenancy import demo
from kefu.tenancy import selectors as tenancy_selectors

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_people(transactional_db: None) -> None:
    demo.load(today=timezone.localdate())


def test_agent_takes_a_meal_break_from_the_workspace_header(
    live_server: Any, demo_people: None, page: Any
) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "zhangwei")
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/desk/")
    page.wait_for_selector("#presence-switch form")
    page.select_option("#presence-switch select[name=reason]", "meal")
    page.click("#presence-switch button[value=break]")
    page.wait_for_selector("#presence-switch button[value=break][aria-pressed=true]")
    assert page.locator("#presence-since").is_visible()

    page.reload()
    page.wait_for_selector("#presence-switch button[value=break][aria-pressed=true]")
    user = tenancy_selectors.user_get_by_username("zhangwei")
    dingmao = tenancy_selectors.organization_by_slug("dingmao")
    scope = tenancy_selectors.scope_for_user(user, organization_id=dingmao.pk)
    current = routing_selectors.presence_get(scope, user_id=user.pk)
    assert (current.state, current.reason) == ("break", "meal")
