"""Survey pages and API: managing definitions, sending a link from the conversation, the
public answer page at the signed link (no sign-in), and the API's shapes and errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kefu.desk import services as desk_services
from kefu.quality.models import SurveyAnswer, SurveyInvitation
from kefu.quality.surveys import services
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def _survey(tenants: Tenants) -> Any:
    return services.survey_definition_create(
        tenants.scope("pa", "qa_inspector"),
        client_id=tenants.ca1.pk,
        name="满意度回访",
        csat_text="您对本次服务满意吗？",
        nps_text="您会推荐我们吗？",
        questions_text="问题解决了吗？ | choice | 解决了 / 没解决",
    )


def _resolved(tenants: Tenants) -> int:
    agent = tenants.scope("pa", "agent")
    conversation = desk_services.conversation_create(
        agent, channel="chat", client_id=tenants.ca1.pk, message="在吗"
    )
    desk_services.conversation_set_status(
        agent, conversation_id=conversation.pk, status="resolved", category="其他"
    )
    return conversation.pk


def test_the_qa_inspector_creates_and_versions_a_survey_the_client_reads_it(tenants: Tenants) -> None:
    qa = tenants.client_for("pa", "qa_inspector")
    form = {
        "client": tenants.ca1.pk, "name": "回访", "channel": "", "csat_text": "满意吗？", "ask_nps": "on",
        "nps_text": "推荐吗？", "questions_text": "建议 | text", "link_hours": 72, "reminder_hours": 24,
    }  # fmt: skip
    response = qa.post("/quality/surveys/", form)
    assert response.status_code == 302
    url = response["Location"]
    bad = qa.post(url, {**form, "questions_text": "颜色 | choice | 红"})
    assert bad.status_code == 422
    assert "Line 1" in bad.content.decode() or "第 1 行" in bad.content.decode()
    newer = qa.post(url, {**form, "name": "回访 2"})
    assert newer.status_code == 302 and newer["Location"] != url
    client_page = tenants.client_for("ca1", "client_admin").get("/quality/surveys/")
    assert client_page.status_code == 200 and "回访 2" in client_page.content.decode()
    assert 'id="survey-create"' not in client_page.content.decode()
    assert tenants.client_for("pa", "agent").get("/quality/surveys/").status_code == 403


def test_sending_from_the_side_panel(tenants: Tenants) -> None:
    _survey(tenants)
    conversation_id = _resolved(tenants)
    agent = tenants.client_for("pa", "agent")
    page = agent.get(f"/desk/c/{conversation_id}/side/").content.decode()
    assert 'id="survey-send"' in page
    response = agent.post(f"/quality/surveys/send/{conversation_id}/", {"medium": "sms"})
    assert response.status_code == 302
    assert SurveyInvitation.all_tenants.get().medium == "sms"
    assert 'id="survey-send"' not in agent.get(f"/desk/c/{conversation_id}/side/").content.decode()


def test_the_public_page_takes_one_answer(tenants: Tenants) -> None:
    _survey(tenants)
    invitation = services.survey_invitation_create(
        tenants.scope("pa", "agent"), conversation_id=_resolved(tenants), medium="email"
    )
    url = f"/s/{services.link_token(invitation)}/"
    anonymous = Client()
    page = anonymous.get(url)
    assert page.status_code == 200 and "您对本次服务满意吗？" in page.content.decode()
    missing = anonymous.post(url, {"score": "4"})
    assert missing.status_code == 422 and not SurveyAnswer.all_tenants.exists()
    done = anonymous.post(url, {"score": "4", "nps": "9", "q1": "解决了", "comment": "很好"})
    assert done.status_code == 200 and 'id="survey-thanks"' in done.content.decode()
    answer = SurveyAnswer.all_tenants.get()
    assert (answer.score, answer.nps, answer.answers, answer.medium) == (4, 9, {"q1": "解决了"}, "email")
    assert anonymous.post(url, {"score": "1", "nps": "0"}).status_code == 410
    assert anonymous.get(url).status_code == 410
    assert anonymous.get(url[:-3] + "xx/").status_code == 404
    assert SurveyAnswer.all_tenants.count() == 1


def test_the_api(tenants: Tenants) -> None:
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "qa_inspector"), name="t")
    http = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {
        "client_id": tenants.ca1.pk, "name": "回访", "csat_text": "满意吗？", "nps_text": "推荐吗？",
        "questions": [{"text": "渠道", "kind": "choice", "options": ["淘宝", "京东"]}],
    }  # fmt: skip
    created = http.post("/api/quality/surveys", body, content_type="application/json")
    assert created.status_code == 201, created.content
    survey = created.json()
    assert survey["questions"] == [
        {"id": "q1", "text": "渠道", "kind": "choice", "options": ["淘宝", "京东"]}
    ]
    updated = http.put(
        f"/api/quality/surveys/{survey['id']}", {"ask_nps": False}, content_type="application/json"
    ).json()
    assert (updated["version"], updated["ask_nps"], updated["questions"]) == (2, False, survey["questions"])
    bad = http.post("/api/quality/surveys", {**body, "link_hours": 0}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "link_hours"

    conversation_id = _resolved(tenants)
    sent = http.post(
        f"/api/quality/conversations/{conversation_id}/survey-links",
        {"medium": "email"},
        content_type="application/json",
    )
    assert sent.status_code == 201 and sent.json()["status"] == "pending"
    again = http.post(
        f"/api/quality/conversations/{conversation_id}/survey-links",
        {"medium": "sms"},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert [
        link["medium"]
        for link in http.get(f"/api/quality/conversations/{conversation_id}/survey-links").json()
    ] == ["email"]
    assert http.get(f"/api/quality/conversations/{conversation_id}/survey-answer").status_code == 404
    invitation = SurveyInvitation.all_tenants.get()
    services.survey_link_answer(services.link_token(invitation), score=5, answers={"q1": "京东"})
    answer = http.get(f"/api/quality/conversations/{conversation_id}/survey-answer").json()
    assert (answer["score"], answer["nps"], answer["answers"], answer["survey_id"]) == (
        5,
        None,
        {"q1": "京东"},
        updated["id"],
    )
