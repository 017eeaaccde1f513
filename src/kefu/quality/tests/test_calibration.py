"""Calibration sessions: opened by a QA lead, scored blind by the invited reviewers (the client's
QA among them), closed into a report; a calibration score is never a review of the agent."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.quality.calibration import selectors, services
from kefu.quality.models import CalibrationSession, Review
from kefu.quality.tests.reviewing_helpers import finished, scorecard
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=SH)
GOOD = {"c1": "y", "c2": "y", "c3": "y", "c4": 5, "c5": "y", "c6": "y"}
MISSED_GREETING = {**GOOD, "c1": "n"}


@pytest.fixture
def session(tenants: Tenants) -> CalibrationSession:
    scorecard(tenants)
    conversations = [finished(tenants, NOW - timedelta(days=1, hours=h)) for h in (1, 2)]
    reviewers = [tenants.user("pa", "qa_inspector").pk, tenants.user("ca1", "client_manager").pk]
    with time_machine.travel(NOW, tick=False):
        return services.calibration_create(
            tenants.scope("pa", "supervisor"),
            client_id=tenants.ca1.pk,
            title="12月第1周校准",
            conversation_ids=conversations,
            reviewer_ids=[*reviewers, tenants.user("pa", "supervisor").pk],
            due_at=NOW + timedelta(days=2),
            expert_id=tenants.user("pa", "supervisor").pk,
        )


def _score(tenants: Tenants, session: CalibrationSession, who: tuple[str, str], answers: list[dict]) -> None:
    scope = tenants.scope(*who)
    for conversation_id, given in zip(
        selectors.calibration_conversation_ids(scope, session=session), answers, strict=True
    ):
        comments = {k: "没有报店铺名和工号" for k, v in given.items() if v == "n"}
        services.calibration_score_save(
            scope,
            session_id=session.pk,
            conversation_id=conversation_id,
            answers=given,
            comments=comments,
            submit=True,
        )


def test_reviewers_score_blind_and_the_closed_session_reports_agreement(
    tenants: Tenants, session: CalibrationSession
) -> None:
    reviews_before = Review.all_tenants.count()
    _score(tenants, session, ("pa", "qa_inspector"), [GOOD, MISSED_GREETING])
    _score(tenants, session, ("ca1", "client_manager"), [GOOD, GOOD])

    # blind: each reviewer sees their own sheets, the lead sees progress, nobody the report
    client_qa = tenants.scope("ca1", "client_manager")
    assert {s.reviewer_id for s in selectors.calibration_sheets(client_qa, session=session)} == {
        client_qa.user_id
    }
    lead = tenants.scope("pa", "supervisor")
    assert list(selectors.calibration_sheets(lead, session=session)) != []  # the lead's own, empty
    assert all(s.reviewer_id == lead.user_id for s in selectors.calibration_sheets(lead, session=session))
    assert sorted((p.submitted, p.total) for p in selectors.calibration_progress(lead, session=session)) == [
        (0, 2),
        (2, 2),
        (2, 2),
    ]
    with pytest.raises(Conflict):
        selectors.calibration_report(lead, session=session)

    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        closed = services.calibration_close(lead, session_id=session.pk)

    report = selectors.calibration_report(lead, session=closed)
    greeting = report.criteria[0]
    # two reviewers (the expert did not score): conversation 1 agrees, conversation 2 does not
    assert (greeting.percent, greeting.units) == (50.0, 2)
    assert [s.range for s in report.spreads] == [0.0, round(100 - 60 / 70 * 100, 2)]
    assert Review.all_tenants.count() == reviews_before  # no review of the agent came of it
    event = AuditEvent.all_tenants.get(action="quality.calibration_close")
    assert event.data["sheets"] == 4 and event.data["agreement"] == report.percent
    # closed: the client's readers see it, and every reviewer's sheets
    assert selectors.calibration_get(tenants.scope("ca1", "client_viewer"), session_id=session.pk)
    assert (
        selectors.calibration_sheets(client_qa, session=closed).filter(submitted_at__isnull=False).count()
        == 4
    )
    with pytest.raises(Conflict):
        _score(tenants, closed, ("pa", "qa_inspector"), [GOOD, GOOD])


def test_only_invited_reviewers_score_and_only_leads_open_or_close(
    tenants: Tenants, session: CalibrationSession
) -> None:
    conversation_id = selectors.calibration_conversation_ids(
        tenants.scope("pa", "supervisor"), session=session
    )[0]
    with pytest.raises(NotFound):  # not invited: the session does not exist for them
        services.calibration_score_save(
            tenants.scope("pa", "provider_admin"),
            session_id=session.pk,
            conversation_id=conversation_id,
            answers=GOOD,
        )
    with pytest.raises(NotFound):
        selectors.calibration_get(tenants.scope("pb", "supervisor"), session_id=session.pk)
    with pytest.raises(PermissionDenied):
        services.calibration_close(tenants.scope("pa", "agent"), session_id=session.pk)
    with pytest.raises(Conflict):  # nobody has submitted yet
        services.calibration_close(tenants.scope("pa", "supervisor"), session_id=session.pk)
    with pytest.raises(Invalid) as error:  # an incomplete sheet cannot be submitted
        services.calibration_score_save(
            tenants.scope("pa", "qa_inspector"),
            session_id=session.pk,
            conversation_id=conversation_id,
            answers={"c1": "y"},
            submit=True,
        )
    assert error.value.field == "c2"


def test_a_session_needs_two_reviewers_of_this_tenant_and_its_own_conversations(tenants: Tenants) -> None:
    scorecard(tenants)
    conversation = finished(tenants, NOW - timedelta(days=1))
    lead = tenants.scope("pa", "supervisor")
    kwargs = {"client_id": tenants.ca1.pk, "title": "校准", "due_at": NOW + timedelta(days=1)}
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(Invalid):
            services.calibration_create(
                lead,
                conversation_ids=[conversation],
                reviewer_ids=[tenants.user("pa", "qa_inspector").pk],
                **kwargs,
            )
        with pytest.raises(NotFound):  # tenant B's inspector
            services.calibration_create(
                lead,
                conversation_ids=[conversation],
                reviewer_ids=[tenants.user("pa", "qa_inspector").pk, tenants.user("pb", "qa_inspector").pk],
                **kwargs,
            )
        with pytest.raises(NotFound):  # the conversation is not ca2's
            services.calibration_create(
                lead,
                conversation_ids=[conversation],
                reviewer_ids=[tenants.user("pa", "qa_inspector").pk, lead.user_id],
                **{**kwargs, "client_id": tenants.ca2.pk},
            )
