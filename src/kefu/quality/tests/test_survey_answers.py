"""Survey answers: validated, one per conversation, tenant-scoped, logged."""

from __future__ import annotations

import pytest

from kefu.analytics.models import ContactEvent
from kefu.connectors import services as connector_services
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.quality import selectors, services
from kefu.testing.plugin import Tenants


@pytest.fixture
def resolved(tenants: Tenants) -> int:
    agent = tenants.scope("pa", "agent")
    conversation = desk_services.conversation_create(
        agent, channel="chat", client_id=tenants.ca1.pk, message="你好"
    )
    desk_services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category="其他"
    )
    return conversation.pk


def _channel(tenants: Tenants, provider: str = "pa", client: str = "ca1") -> object:
    widget = connector_services.widget_create(
        tenants.scope(provider, "provider_admin"),
        client_id=getattr(tenants, client).pk,
        allowed_origins=["*"],
    )
    return connector_services.channel_scope(widget)


@pytest.mark.parametrize("score", [0, 6, "5", None, True, 3.5])
def test_scores_outside_1_to_5_are_invalid(tenants: Tenants, resolved: int, score: object) -> None:
    with pytest.raises(Invalid) as error:
        services.survey_answer_record(_channel(tenants), conversation_id=resolved, score=score)  # type: ignore[arg-type]
    assert error.value.field == "score"


def test_one_answer_per_conversation(tenants: Tenants, resolved: int) -> None:
    scope = _channel(tenants)
    services.survey_answer_record(scope, conversation_id=resolved, score=3, comment="一般")
    with pytest.raises(Conflict):
        services.survey_answer_record(scope, conversation_id=resolved, score=5)
    assert ContactEvent.all_tenants.filter(type="survey_answered").count() == 1
    answers = selectors.survey_answer_list(tenants.scope("pa", "supervisor"))
    assert [a.score for a in answers] == [3]
    assert not selectors.survey_answer_list(tenants.scope("pb", "supervisor")).exists()


def test_staff_cannot_record_answers_and_other_tenants_cannot_reach_the_conversation(
    tenants: Tenants, resolved: int
) -> None:
    with pytest.raises(PermissionDenied):
        services.survey_answer_record(tenants.scope("pa", "supervisor"), conversation_id=resolved, score=5)
    with pytest.raises(NotFound):
        services.survey_answer_record(_channel(tenants, "pb", "cb"), conversation_id=resolved, score=1)
