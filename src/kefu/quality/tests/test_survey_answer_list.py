"""Survey answers across conversations: the selector's filters, scoping, the API, the page and
its CSV."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kefu.core.errors import Invalid
from kefu.desk import services as desk_services
from kefu.quality.surveys import answers, services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def _answered(
    tenants: Tenants, client: str, channel: str, score: int, nps: int | None, comment: str = ""
) -> int:
    agent = tenants.scope("pa", "agent")
    org = getattr(tenants, client)
    customer = desk_services.customer_create(
        tenants.scope("pa", "supervisor"), client_id=org.pk, name="顾客", email="c@example.cn"
    )
    conversation = desk_services.conversation_create(
        agent, channel=channel, client_id=org.pk, message="你好", customer_id=customer.pk
    )
    if channel == "phone":  # the call was taken by the agent; the e-mails stay unassigned
        desk_services.conversation_assign(
            tenants.scope("pa", "supervisor"),
            conversation_id=conversation.pk,
            agent_id=tenants.user("pa", "agent").pk,
        )
    desk_services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category="其他"
    )
    invitation = services.survey_invitation_create(agent, conversation_id=conversation.pk, medium="email")
    answer_nps = "" if nps is None else str(nps)
    services.survey_link_answer(
        services.link_token(invitation),
        score=str(score),
        nps=answer_nps,
        comment=comment,
        answers={"q1": "解决了"},
    )
    return conversation.pk


@pytest.fixture
def three(tenants: Tenants) -> dict[str, int]:
    qa = tenants.scope("pa", "qa_inspector")
    for client in (tenants.ca1, tenants.ca2):
        services.survey_definition_create(
            qa,
            client_id=client.pk,
            name="回访",
            csat_text="满意吗？",
            nps_text="推荐吗？",
            questions_text="问题解决了吗？ | choice | 解决了 / 没解决",
        )
    return {
        "happy": _answered(tenants, "ca1", "email", 5, 10, "很好"),
        "unhappy": _answered(tenants, "ca1", "phone", 2, 3, "太慢了"),
        "other": _answered(tenants, "ca2", "email", 4, 8),
    }


def _ids(scope: object, **filters: object) -> list[int]:
    rows = answers.answer_list(scope, filters=answers.AnswerFilter(**filters))  # type: ignore[arg-type]
    return sorted(a.conversation_id for a in rows)


def test_filters_and_scopes(tenants: Tenants, three: dict[str, int]) -> None:
    lead = tenants.scope("pa", "supervisor")
    agent_id = tenants.user("pa", "agent").pk
    assert _ids(lead) == sorted(three.values())
    assert _ids(lead, client_id=tenants.ca1.pk) == sorted([three["happy"], three["unhappy"]])
    assert _ids(lead, channel="phone") == [three["unhappy"]]
    assert _ids(lead, score=2) == [three["unhappy"]]
    assert _ids(lead, nps="promoter") == [three["happy"]]
    assert _ids(lead, nps="passive") == [three["other"]]
    assert _ids(lead, nps="detractor") == [three["unhappy"]]
    assert _ids(lead, agent_id=agent_id) == [three["unhappy"]]
    assert _ids(lead, agent_id=tenants.user("pa", "supervisor").pk) == []
    today = timezone.localdate()
    assert _ids(lead, date_from=today, date_to=today) == sorted(three.values())
    assert _ids(lead, date_to=today - timedelta(days=1)) == []
    assert _ids(tenants.scope("ca1", "client_admin")) == sorted([three["happy"], three["unhappy"]])
    assert _ids(tenants.scope("pb", "provider_admin")) == []


@pytest.mark.parametrize(
    ("bad", "field"),
    [({"score": 6}, "score"), ({"nps": "fan"}, "nps"), ({"channel": "fax"}, "channel")],
)
def test_bad_filters_name_their_field(tenants: Tenants, bad: dict, field: str) -> None:
    with pytest.raises(Invalid) as error:
        answers.answer_list(tenants.scope("pa", "supervisor"), filters=answers.AnswerFilter(**bad))
    assert error.value.field == field


def test_the_api(tenants: Tenants, three: dict[str, int]) -> None:
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "qa_inspector"), name="t")
    http = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    page = http.get("/api/quality/survey-answers", {"nps": "detractor"}).json()
    assert page["count"] == 1
    (row,) = page["items"]
    assert {k: row[k] for k in ("conversation_id", "client_name", "channel", "score", "nps", "comment")} == {
        "conversation_id": three["unhappy"],
        "client_name": "家居店",
        "channel": "phone",
        "score": 2,
        "nps": 3,
        "comment": "太慢了",
    }
    assert (row["agent_id"], row["agent_name"], row["survey_version"], row["answers"]) == (
        tenants.user("pa", "agent").pk,
        tenants.user("pa", "agent").display_name or tenants.user("pa", "agent").username,
        1,
        {"q1": "解决了"},
    )
    bad = http.get("/api/quality/survey-answers", {"score": "9"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "score"
    assert (
        http.get("/api/quality/survey-answers", {"date_from": "1.2."}).json()["error"]["field"] == "date_from"
    )
    _token, other = tenancy_services.api_token_create(user=tenants.user("pb", "provider_admin"), name="t")
    foreign = Client(HTTP_AUTHORIZATION=f"Bearer {other}").get("/api/quality/survey-answers").json()
    assert foreign["count"] == 0


def test_the_page_and_its_csv(tenants: Tenants, three: dict[str, int]) -> None:
    lead = tenants.client_for("pa", "supervisor")
    page = lead.get("/quality/surveys/answers/", {"score": "2"})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="/desk/c/{three["unhappy"]}/"' in html
    assert "太慢了" in html and "很好" not in html
    csv = lead.get("/quality/surveys/answers/", {"client": str(tenants.ca1.pk), "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 3  # the headers and two answers
    assert "问题解决了吗？: 解决了" in lines[1]
    wrong_way = lead.get("/quality/surveys/answers/", {"from": "2026-02-02", "to": "2026-01-01"})
    assert wrong_way.status_code == 422
    assert tenants.client_for("pa", "agent").get("/quality/surveys/answers/").status_code == 403
    client = tenants.client_for("ca1", "client_admin").get("/quality/surveys/answers/").content.decode()
    assert "太慢了" in client and f'href="/desk/c/{three["other"]}/"' not in client
