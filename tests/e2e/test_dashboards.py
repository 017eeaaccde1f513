"""A client's manager signs in, sees the figures first, opens the dashboard, clicks a chart point
and follows the records behind it to the conversation."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from kefu.core.roles import all_permissions
from kefu.core.scope import Scope
from kefu.desk import services as desk_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("KEFU_SHOTS")  # a directory: also save screenshots there


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_the_clients_dashboard_draws_a_chart_and_drills_into_a_conversation(
    live_server: Any, transactional_db: None, tenants: Tenants, password: str, page: Any
) -> None:
    # given one chat today for ca1, answered by an agent of the provider
    system = Scope.system(
        provider_id=tenants.pa.pk, client_ids=frozenset({tenants.ca1.pk}), permissions=all_permissions()
    )
    conversation = desk_services.conversation_create(
        system,
        channel="chat",
        client_id=tenants.ca1.pk,
        provider_id=tenants.pa.pk,
        message="沙发什么时候发货？",
    )
    agent = tenants.scope("pa", "agent")
    desk_services.message_post(agent, conversation_id=conversation.pk, body="您好，明天发货")
    page.set_default_timeout(60_000)  # a loaded CI machine: the first page compiles templates

    # when the client's manager signs in
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", tenants.user("ca1", "client_manager").username)
    page.fill("#id_password", password)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server.url}/")

    # then the home opens with the client's figures, today's included
    assert page.locator("#home-figures #kpi-offered .kpi-value").first.inner_text() == "1"
    page.wait_for_selector("#today-figures #today-kpi-offered")
    _shot(page, "home-figures-zh")

    # when they open the dashboard from the navigation: the chart is drawn by ECharts
    page.click("nav.side >> text=数据看板")
    page.wait_for_url(f"{live_server.url}/analytics/dashboards/clients/{tenants.ca1.pk}/")
    page.wait_for_selector("#main-chart .dash-chart[data-drawn] canvas")
    page.wait_for_selector("#today-slot #today-figures")  # the live strip is in: the page stops moving
    assert page.locator("#kpi-handled .kpi-value").inner_text() == "1"
    _shot(page, "dashboard-zh")

    # and click today's point (the last one, at the right end of the chart)
    chart = page.locator("#main-chart .dash-chart")
    chart.scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
            const el = document.querySelector('#main-chart .dash-chart');
            const chart = echarts.getInstanceByDom(el);
            const data = chart.getOption().series[0].data;
            return chart.convertToPixel({seriesIndex: 0}, data[data.length - 1]);
        }"""
    )
    box = chart.bounding_box()
    x, y = box["x"] + point[0], box["y"] + point[1]
    page.mouse.move(x - 5, y)  # ECharts finds the point under the pointer on hover
    page.mouse.move(x, y)
    page.mouse.click(x, y)

    # then the records behind that point list the conversation, and it opens
    page.wait_for_url(re.compile(r".*/items/offered/\?.*bucket=.*"))
    assert page.locator("#drill-value").inner_text() == "1"
    _shot(page, "drilldown-zh")
    page.click(f"#drill-items a[href='/desk/c/{conversation.pk}/']")
    page.wait_for_url(f"{live_server.url}/desk/c/{conversation.pk}/")
    assert "沙发什么时候发货" in page.content()
