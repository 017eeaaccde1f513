"""The quality API: scorecards (versions), rules, the day's sample, reviews, appeals, workload."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client

from kefu.quality.tests.reviewing_helpers import finished
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 3, 15, 0, tzinfo=SH)
SECTIONS = [
    {
        "title": "问候",
        "criteria": [
            {"id": "greet", "title": "开场报店铺名和工号", "weight": 10},
            {"id": "solve", "title": "解决问题", "weight": 30, "scale": "one_to_five"},
            {"id": "leak", "title": "未泄露客户信息", "fatal": True},
        ],
    }
]


class Api:
    def __init__(self, tenants: Tenants, org: str, role: str) -> None:
        _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, **self.auth)

    def send(self, method: str, url: str, body: Any) -> Any:
        return getattr(self.client, method)(url, body, content_type="application/json", **self.auth)


def test_the_inspectors_day_through_the_api(tenants: Tenants) -> None:
    inspector, lead, agent = (
        Api(tenants, "pa", "qa_inspector"),
        Api(tenants, "pa", "supervisor"),
        Api(tenants, "pa", "agent"),
    )
    # a scorecard, then a second version
    created = inspector.send(
        "post",
        "/api/quality/scorecards",
        {"client_id": tenants.ca1.pk, "name": "在线质检", "sections": SECTIONS},
    )
    assert created.status_code == 201, created.content
    card = created.json()
    assert (card["version"], card["definition"]["sections"][0]["criteria"][2]["weight"]) == (1, 0)
    second = inspector.send("put", f"/api/quality/scorecards/{card['id']}", {"name": "在线质检 2026"})
    assert (second.status_code, second.json()["version"], second.json()["family"]) == (201, 2, card["id"])
    listed = inspector.get("/api/quality/scorecards?all_versions=true").json()
    assert [(s["version"], s["is_current"]) for s in listed["items"]] == [(2, True), (1, False)]

    # rules and the day's sample
    policy = lead.send(
        "put",
        f"/api/quality/policies/{tenants.ca1.pk}",
        {"percent_by_channel": {"chat": 100}, "appeal_window_days": 5},
    )
    assert policy.json()["percent_by_channel"] == {"chat": 100, "email": 0, "phone": 0, "api": 0}
    conversation_id = finished(tenants, AT)
    sample = lead.send("post", "/api/quality/samples", {"client_id": tenants.ca1.pk, "day": "2026-12-03"})
    assert (sample.json()["created"], sample.json()["finished"]) == (1, 1)

    # the inspector reviews it
    queue = inspector.get("/api/quality/reviews?status=pending").json()["items"]
    assert [(r["conversation_id"], r["scorecard_version"], r["reason"]) for r in queue] == [
        (conversation_id, 2, "random")
    ]
    review_id = queue[0]["id"]
    refused = inspector.send(
        "put", f"/api/quality/reviews/{review_id}", {"answers": {"greet": "y"}, "submit": True}
    )
    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "solve")
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=SH), tick=False):
        done = inspector.send(
            "put",
            f"/api/quality/reviews/{review_id}",
            {
                "answers": {"greet": "n", "solve": 5, "leak": "y"},
                "comments": {"greet": "没报工号"},
                "submit": True,
            },
        )
    assert (done.status_code, done.json()["score"], done.json()["status"]) == (200, 75.0, "submitted")

    # the agent sees it and appeals; the lead decides
    mine = agent.get("/api/quality/reviews").json()["items"]
    assert [r["id"] for r in mine] == [review_id]
    with time_machine.travel(datetime(2026, 12, 8, 10, 0, tzinfo=SH), tick=False):
        appeal = agent.send("post", f"/api/quality/reviews/{review_id}/appeal", {"reason": "第二条报了工号"})
    assert appeal.status_code == 201, appeal.content
    decided = lead.send(
        "post",
        f"/api/quality/appeals/{appeal.json()['id']}/decide",
        {"outcome": "amended", "note": "改为是", "answers": {"greet": "y"}},
    )
    assert (decided.json()["score_before"], decided.json()["score_after"]) == (75.0, 100.0)

    # the client reads the result; the workload counts the inspector's work
    client = Api(tenants, "ca1", "client_viewer")
    assert [r["score"] for r in client.get("/api/quality/reviews").json()["items"]] == [100.0]
    assert [a["status"] for a in client.get("/api/quality/appeals").json()["items"]] == ["amended"]
    with time_machine.travel(datetime(2026, 12, 4, 18, 0, tzinfo=SH), tick=False):
        load = lead.get("/api/quality/workload?day=2026-12-04").json()
    assert [(w["open"], w["done_today"], w["average_score"]) for w in load] == [(0, 1, 100.0)]


def test_roles_without_the_permission_are_refused(tenants: Tenants) -> None:
    body = {"client_id": tenants.ca1.pk, "name": "x", "sections": SECTIONS}
    assert Api(tenants, "pa", "agent").send("post", "/api/quality/scorecards", body).status_code == 403
    assert (
        Api(tenants, "ca1", "client_admin").send("post", "/api/quality/scorecards", body).status_code == 403
    )
    assert Api(tenants, "pa", "trainer").get("/api/quality/reviews").status_code == 403
    assert Api(tenants, "ca1", "client_l2").get("/api/quality/reviews").status_code == 403
    bad = Api(tenants, "pa", "qa_inspector").send(
        "post", "/api/quality/scorecards", {**body, "sections": [{"title": "A", "criteria": []}]}
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid")
