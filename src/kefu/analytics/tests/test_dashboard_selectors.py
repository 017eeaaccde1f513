"""Dashboard reads on the hand-built day (`builders.seven_conversations`, client ca1, 2026-03-02):
figures with the previous period and targets, scoping, the drill-down, control charts."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from kefu.analytics import dashboard_selectors as selectors
from kefu.analytics.dashboard_selectors import Period
from kefu.analytics.tests.builders import Day
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.routing import services as routing_services
from kefu.testing.plugin import Tenants

DAY = Period(date(2026, 3, 2), date(2026, 3, 2))


def test_a_period_is_compared_with_the_equal_period_before_it() -> None:
    assert DAY.previous() == Period(date(2026, 3, 1), date(2026, 3, 1))
    four_weeks = Period(date(2026, 11, 9), date(2026, 12, 6))
    assert four_weeks.previous() == Period(date(2026, 10, 12), date(2026, 11, 8))
    assert four_weeks.days == 28


@time_machine.travel("2026-12-06T17:30:00Z")  # 01:30 on 12-07 in Shanghai
def test_the_default_period_is_the_last_two_weeks_of_the_clients_calendar(tenants: Tenants) -> None:
    period = selectors.period_from(tenants.ca1.pk, None, None)
    assert period == Period(date(2026, 11, 24), date(2026, 12, 7))
    with pytest.raises(Invalid):
        selectors.period_from(tenants.ca1.pk, "2026-12-08", "2026-12-07")
    with pytest.raises(Invalid):
        selectors.period_from(tenants.ca1.pk, "yesterday", None)


def test_figures_carry_the_previous_period_and_whether_they_improved(tenants: Tenants, day: Day) -> None:
    # given the day, and c1 offered the evening before (23:59 local on 03-01)
    dashboard = selectors.client_dashboard(
        tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, period=DAY, interval="hour"
    )

    offered = dashboard.figure("offered")
    frt = dashboard.figure("first_response_time")
    assert offered is not None and frt is not None
    assert (offered.value, offered.previous, offered.change) == (5, 1, 4)
    assert offered.change_is_better is None  # volume has no good direction
    # first response: 121 s / 3 today; c1's 180 s the day before: faster is better
    assert frt.value == pytest.approx(121 / 3) and frt.previous == 180.0
    assert frt.change_is_better is True
    assert frt.params == {"client": tenants.ca1.pk, "from": "2026-03-02", "to": "2026-03-02"}
    assert len(offered.series) == 24 and sum(point["value"] for point in offered.series) == 5
    # no SLA policy, no queue: no target rather than an invented one
    assert frt.target is None and frt.meets_target is None
    # the figures the dictionary cannot compute yet are listed with their reason, never a number
    unavailable = {u.metric.id for u in dashboard.unavailable}
    assert {"qa_score", "occupancy", "sla_compliance"} <= unavailable and "nps" not in unavailable
    assert all(u.reason for u in dashboard.unavailable)
    assert not unavailable & {f.metric.id for f in dashboard.figures}


@pytest.mark.parametrize(("target_s", "meets"), [(30, False), (41, True)])
def test_response_times_are_judged_against_the_clients_sla_policy(
    tenants: Tenants, day: Day, target_s: int, meets: bool
) -> None:
    desk_services.sla_policy_create(
        tenants.scope("ca1", "client_admin"), first_response_s=target_s, next_response_s=120
    )

    dashboard = selectors.client_dashboard(
        tenants.scope("ca1", "client_manager"), client_id=tenants.ca1.pk, period=DAY
    )

    frt, nrt = dashboard.figure("first_response_time"), dashboard.figure("next_response_time")
    assert frt is not None and nrt is not None
    assert frt.target is not None and (frt.target.value, frt.target.source) == (target_s, "sla_policy")
    assert frt.meets_target is meets  # 40.33 s against the target
    assert nrt.target is not None and nrt.target.value == 120 and nrt.meets_target is True  # 60 s


def test_service_level_is_measured_with_the_strictest_queue_target(tenants: Tenants, day: Day) -> None:
    # given two queues of ca1: 80 % in 60 s and 90 % in 120 s
    scope = tenants.scope("pa", "provider_admin")
    routing_services.queue_create(
        scope, client_id=tenants.ca1.pk, name="售前", sl_target_percent=80, sl_target_seconds=60
    )
    routing_services.queue_create(
        scope, client_id=tenants.ca1.pk, name="售后", sl_target_percent=90, sl_target_seconds=120
    )

    figure = selectors.figure_get(scope, metric_id="service_level", client_id=tenants.ca1.pk, period=DAY)

    # then within 60 s: c2 (60 s), c3 (30 s), c6 (31 s) of c2, c3, c5 (abandoned after 40 s), c6
    assert figure.target is not None
    assert (figure.target.value, figure.target.threshold_s, figure.target.queue) == (80.0, 60.0, "售前")
    assert figure.value == 75.0 and figure.meets_target is False
    assert figure.params["threshold_s"] == 60.0


def test_a_client_reads_only_its_own_figures(tenants: Tenants, day: Day) -> None:
    manager = tenants.scope("ca1", "client_manager")

    assert selectors.client_list(manager) == [(tenants.ca1.pk, tenants.ca1.name)]
    with pytest.raises(NotFound):
        selectors.client_dashboard(manager, client_id=tenants.cb.pk, period=DAY)
    with pytest.raises(NotFound):
        selectors.client_dashboard(manager, client_id=tenants.ca2.pk, period=DAY)  # same provider
    with pytest.raises(NotFound):
        selectors.client_dashboard(
            tenants.scope("pb", "provider_admin"), client_id=tenants.ca1.pk, period=DAY
        )
    assert selectors.home_dashboard(manager) is not None
    assert selectors.home_dashboard(tenants.scope("pa", "provider_admin")) is None


def test_a_provider_overview_has_one_row_per_client_it_serves(tenants: Tenants, day: Day) -> None:
    rows = selectors.provider_overview(tenants.scope("pa", "account_manager"), period=DAY)

    assert [(row.client_name, row.figures[0].value) for row in rows] == [("家居店", 5), ("美妆店", 0)]
    assert [f.metric.id for f in rows[0].figures] == list(selectors.OVERVIEW_METRICS)


def test_an_agent_reads_only_their_own_figures(tenants: Tenants, day: Day) -> None:
    agent = tenants.scope("pa", "agent")  # day.a

    mine = selectors.client_dashboard(agent, client_id=tenants.ca1.pk, period=DAY, agent_id=day.b.pk)

    assert mine.agent_id == day.a.pk  # asking for B gives A's own
    frt = mine.figure("first_response_time")
    assert frt is not None and frt.value == pytest.approx(45.5)  # c2 60 s, c6 31 s
    assert "offered" not in {f.metric.id for f in mine.figures}  # kept for the team only
    assert selectors.agent_choices(agent, client_id=tenants.ca1.pk, period=DAY) == []
    with pytest.raises(PermissionDenied):
        selectors.figure_get(agent, metric_id="offered", client_id=tenants.ca1.pk, period=DAY)


def test_a_team_lead_picks_the_agents_who_worked_for_the_client(tenants: Tenants, day: Day) -> None:
    choices = selectors.agent_choices(tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, period=DAY)

    assert {pk for pk, _name in choices} == {day.a.pk, day.b.pk}
    name = selectors.agent_name(
        tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, agent_id=day.a.pk
    )
    assert name == (day.a.get_full_name() or day.a.username)
    with pytest.raises(NotFound):
        selectors.agent_name(
            tenants.scope("pa", "supervisor"),
            client_id=tenants.ca1.pk,
            agent_id=tenants.user("pb", "agent").pk,
        )


def test_the_drilldown_totals_give_the_figure_and_a_point_keeps_its_interval(
    tenants: Tenants, day: Day
) -> None:
    scope = tenants.scope("pa", "supervisor")
    dashboard = selectors.client_dashboard(scope, client_id=tenants.ca1.pk, period=DAY, interval="hour")
    frt = dashboard.figure("first_response_time")
    assert frt is not None

    whole = selectors.drilldown(scope, metric_id="first_response_time", client_id=tenants.ca1.pk, period=DAY)
    midnight = selectors.drilldown(
        scope,
        metric_id="first_response_time",
        client_id=tenants.ca1.pk,
        period=DAY,
        interval="hour",
        bucket="2026-03-02T00:00:00+08:00",
    )

    assert whole.value == frt.value and whole.total_items == frt.count == 3
    assert [item.conversation_id for item in midnight.items] == [day.c2.pk]  # 00:00 local
    assert midnight.value == 60.0
    hour = next(p for p in frt.series if p["start"] == "2026-03-02T00:00:00+08:00")
    assert hour["value"] == midnight.value and hour["count"] == midnight.total_items


def test_control_charts_have_one_point_a_day(tenants: Tenants, day: Day) -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 2))

    charts = {
        c.metric.id: c
        for c in selectors.control_charts(
            tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, period=period
        )
    }

    frt = charts["first_response_time"]
    assert frt.kind == "xbar" and frt.counts == [1, 3]
    assert frt.chart is not None
    assert [p.value for p in frt.chart.points] == pytest.approx([180.0, 121 / 3])
    assert frt.chart.centre == pytest.approx((180 + 121) / 4)
    # csat: one answer a day on 03-02 (c2: 5, c3: 3 → 50 %), none on 03-01: a gap
    csat = charts["csat"]
    assert csat.kind == "individuals" and csat.counts == [0, 2]
    assert csat.chart is not None and [p.value for p in csat.chart.points] == [None, 50.0]
    assert charts["qa_score"].chart is None  # not recorded yet: shown with its reason
    data = frt.as_json()
    assert data["days"] == ["2026-03-01", "2026-03-02"] and min(data["lcl"]) >= 0
