"""The quality pages: an inspector answers a review in the workspace form, an agent appeals,
a second reviewer decides; the scorecard editor saves versions; the sampling page runs a day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from kefu.quality.models import Review
from kefu.quality.reviews import services
from kefu.quality.tests.reviewing_helpers import TEXT, finished, scorecard
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 3, 15, 0, tzinfo=SH)


def _pending(tenants: Tenants) -> Review:
    scorecard(tenants)
    return services.review_create(tenants.scope("pa", "qa_inspector"), conversation_id=finished(tenants, AT))


def test_the_inspector_submits_from_the_workspace_and_errors_keep_the_input(tenants: Tenants) -> None:
    review = _pending(tenants)
    browser = tenants.client_for("pa", "qa_inspector")
    page = browser.get(f"/quality/reviews/{review.pk}/")
    assert page.status_code == 200
    assert "开场报店铺名和工号" in page.content.decode() and "工号 8012" in page.content.decode()

    answers = {"answer_c1": "n", "answer_c2": "y", "answer_c3": "na", "answer_c4": "4", "answer_c5": "y"}
    missing = browser.post(f"/quality/reviews/{review.pk}/", {**answers, "action": "submit"})
    assert missing.status_code == 422
    assert 'value="n" data-key="n" checked' in missing.content.decode()  # the answers given stay

    done = browser.post(
        f"/quality/reviews/{review.pk}/",
        {
            **answers,
            "answer_c6": "y",
            "comment_c1": "没报工号",
            "anchor_c1": "2",
            "note_1": "客户催物流",
            "action": "submit",
        },
    )
    assert done.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.score, review.anchors, review.notes) == (
        "submitted",
        66.67,  # 0 + 10 + 30 of 60: the closing is N/A
        {"c1": 2},
        [{"seq": 1, "text": "客户催物流"}],
    )


def test_the_agent_appeals_on_the_page_and_a_second_reviewer_decides(tenants: Tenants) -> None:
    review = _pending(tenants)
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=SH), tick=False):
        services.review_save(
            tenants.scope("pa", "qa_inspector"),
            review_id=review.pk,
            answers={"c1": "n", "c2": "y", "c3": "y", "c4": 5, "c5": "y", "c6": "y"},
            comments={"c1": "没报工号"},
            submit=True,
        )
    agent = tenants.client_for("pa", "agent")
    with time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=SH), tick=False):
        assert (
            agent.post(
                f"/quality/reviews/{review.pk}/", {"action": "appeal", "reason": "报了工号"}
            ).status_code
            == 302
        )
    appeal_id = Review.all_tenants.get(pk=review.pk).appeal.pk

    first = tenants.client_for("pa", "qa_inspector").get(f"/quality/appeals/{appeal_id}/")
    assert 'id="decide-form"' in first.content.decode() and 'name="outcome"' not in first.content.decode()
    lead = tenants.client_for("pa", "supervisor")
    form = {f"answer_c{i}": v for i, v in enumerate(["y", "y", "y", "5", "y", "y"], start=1)}
    decided = lead.post(f"/quality/appeals/{appeal_id}/", {**form, "outcome": "amended", "note": "确有工号"})
    assert decided.status_code == 302
    assert Review.all_tenants.get(pk=review.pk).score == 100.0
    assert "已改判" in tenants.client_for("ca1", "client_manager").get("/quality/appeals/").content.decode()


def test_the_scorecard_editor_saves_a_new_version_and_names_a_bad_line(tenants: Tenants) -> None:
    browser = tenants.client_for("pa", "supervisor")
    created = browser.post(
        "/quality/scorecards/",
        {"client": tenants.ca1.pk, "name": "电话质检", "channel": "phone", "text": TEXT},
    )
    assert created.status_code == 302
    url = created["Location"]
    bad = browser.post(url, {"name": "电话质检", "channel": "phone", "text": "# A\n问候 | 10 | stars"})
    assert bad.status_code == 422 and "第 2 行" in bad.content.decode()
    saved = browser.post(url, {"name": "电话质检", "channel": "phone", "text": TEXT + "核实身份 | 5 | yn"})
    assert saved.status_code == 302 and saved["Location"] != url
    assert "v2" in browser.get(saved["Location"]).content.decode()


def test_the_sampling_page_runs_a_day_and_shows_the_workload(tenants: Tenants) -> None:
    scorecard(tenants)
    finished(tenants, AT)
    lead = tenants.client_for("pa", "supervisor")
    page = lead.post(
        "/quality/sampling/", {"action": "sample", "client": tenants.ca1.pk, "day": "2026-12-03"}
    )
    assert page.status_code == 200
    assert 'id="sample-result"' in page.content.decode()
    assert Review.all_tenants.count() == 1
    assert tenants.client_for("pa", "agent").get("/quality/sampling/").status_code == 403


def test_every_role_with_the_entry_opens_the_list(tenants: Tenants) -> None:
    for org, role in [
        ("pa", "agent"),
        ("pa", "qa_inspector"),
        ("pa", "supervisor"),
        ("ca1", "client_viewer"),
    ]:
        assert tenants.client_for(org, role).get("/quality/reviews/").status_code == 200, role
    assert tenants.client_for("pa", "trainer").get("/quality/reviews/").status_code == 403
