"""NPS in the metric dictionary, by hand: promoters − detractors over the answers, in per cent,
with their count; CSAT keeps its top-2-box definition beside it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kefu.analytics.metrics import compute, dictionary, queries
from kefu.core import clock
from kefu.desk import services as desk_services
from kefu.quality.surveys import services
from kefu.testing.plugin import Tenants

AT = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # noon in Shanghai


def _facts(*answers: tuple[int, int | None]) -> list[compute.Facts]:
    return [compute.Facts(i, AT, agent_id=7, score=s, nps=n) for i, (s, n) in enumerate(answers, start=1)]


def test_nps_items_by_hand() -> None:
    # nps 10, 9 promoters; 8 passive; 6, 0 detractors; one answer without the question
    facts = _facts((5, 10), (4, 9), (4, 8), (2, 6), (1, 0), (3, None))
    items = compute.items_for("nps", facts)
    assert [i.numerator for i in items] == [1, 1, 0, -1, -1]
    totals = compute.totals_of(items)
    assert compute.value_of(compute.RATIO, totals) == 0.0  # (2 − 2) / 5
    three_of_four = compute.items_for("nps", _facts((5, 10), (5, 9), (5, 10), (1, 3)))
    assert compute.value_of(compute.RATIO, compute.totals_of(three_of_four)) == 50.0  # (3 − 1) / 4
    assert compute.items_for("nps", _facts((5, 10)), agent_id=8) == []
    # CSAT is unchanged: top-2 box of every answer, NPS asked or not
    csat = compute.items_for("csat", facts)
    assert compute.value_of(compute.RATIO, compute.totals_of(csat)) == pytest.approx(100 * 3 / 6)


def test_nps_is_available_and_anchored_on_the_survey_answer() -> None:
    metric = dictionary.METRICS["nps"]
    assert metric.available and metric.anchor == dictionary.SURVEY and metric.kind == compute.RATIO


@pytest.mark.django_db
def test_nps_from_the_event_log(tenants: Tenants) -> None:
    qa, agent = tenants.scope("pa", "qa_inspector"), tenants.scope("pa", "agent")
    definition = services.survey_definition_create(
        qa, client_id=tenants.ca1.pk, name="满意度", csat_text="满意吗？", ask_nps=True, nps_text="推荐吗？"
    )
    channel = services._link_scope(
        type("I", (), {"provider_id": tenants.pa.pk, "client_id": tenants.ca1.pk})()
    )
    answers = [(5, 10), (5, 9), (4, 7), (2, 3)]  # 2 promoters, 1 passive, 1 detractor: NPS 25
    with clock.at(AT):
        for score, nps in answers:
            conversation = desk_services.conversation_create(
                agent, channel="chat", client_id=tenants.ca1.pk, message="你好"
            )
            desk_services.conversation_set_status(
                agent, conversation_id=conversation.pk, status="resolved", category="其他"
            )
            services.survey_answer_checked(
                channel,
                conversation_id=conversation.pk,
                definition=definition,
                medium="email",
                score=score,
                nps=nps,
            )
    scope = tenants.scope("pa", "supervisor")
    query = queries.metric_query(
        scope, metric_id="nps", client_id=tenants.ca1.pk, date_from="2026-03-02", date_to="2026-03-02"
    )
    figure = queries.metric_value(scope, query)
    assert (figure.result.value, figure.result.count) == (25.0, 4)
    csat_query = queries.metric_query(
        scope, metric_id="csat", client_id=tenants.ca1.pk, date_from="2026-03-02", date_to="2026-03-02"
    )
    assert queries.metric_value(scope, csat_query).result.value == 75.0  # 5, 5, 4 of 4 answers
