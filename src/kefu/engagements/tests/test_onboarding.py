"""Onboarding: the checklist both sides work, the quick-phrase import through knowledge, handover
phases applied to routing's split, break-in sampling, the risk register and due diligence."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.engagements.onboarding import selectors, services
from kefu.engagements.onboarding.models import ChecklistItem, HandoverPhase, ItemStatus, Risk
from kefu.knowledge.models import QuickPhrase
from kefu.quality.models import BreakInPeriod
from kefu.quality.reviews import selectors as quality_selectors
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.tenancy import services as tenancy_services
from kefu.tenancy.models import AuditEvent, Engagement
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def _engagement(tenants: Tenants, provider: str = "pa", client: str = "ca1") -> Engagement:
    return Engagement.objects.get(provider=getattr(tenants, provider), client=getattr(tenants, client))


def _seeded(tenants: Tenants) -> Engagement:
    engagement = _engagement(tenants)
    services.checklist_seed(tenants.scope("pa", "account_manager"), engagement_id=engagement.pk)
    return engagement


# --- checklist ---------------------------------------------------------------------------------------
def test_the_seed_checklist_is_shared_and_each_side_ticks_its_own_items(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    provider, client = tenants.scope("pa", "account_manager"), tenants.scope("ca1", "client_manager")
    items = list(selectors.checklist(client, engagement=engagement))
    assert len(items) == 10 and {i.owner_side for i in items} == {"provider", "client"}
    faq = next(i for i in items if i.kind == "faq")
    managers = next(i for i in items if i.kind == "account_managers")

    services.item_update(client, item_id=faq.pk, status=ItemStatus.DONE, link="https://pan.example.com/faq")
    services.item_update(provider, item_id=managers.pk, status=ItemStatus.DONE, note="何琳 / 方圆")
    with pytest.raises(PermissionDenied):
        services.item_update(provider, item_id=faq.pk, status=ItemStatus.TODO)
    with pytest.raises(Invalid):
        services.item_update(client, item_id=faq.pk, link="ftp://x")

    both = [
        selectors.progress(list(selectors.checklist(s, engagement=engagement))) for s in (provider, client)
    ]
    assert [(p.done, p.total, p.percent) for p in both] == [(2, 10, 20), (2, 10, 20)]
    assert AuditEvent.all_tenants.filter(action="engagements.item_update").count() == 2


def test_another_tenant_cannot_see_or_seed_the_checklist(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    item = ChecklistItem.all_tenants.filter(engagement=engagement).first()
    assert item is not None
    for org, role in (("pb", "provider_admin"), ("cb", "client_admin"), ("ca2", "client_admin")):
        with pytest.raises(NotFound):
            selectors.item_get(tenants.scope(org, role), item_id=item.pk)
        with pytest.raises(NotFound):
            services.checklist_seed(tenants.scope(org, role), engagement_id=engagement.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_an_item_being_edited_locks_its_own_row_not_its_engagement(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    item = ChecklistItem.all_tenants.filter(engagement=engagement).first()
    assert item is not None
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        selectors.item_get(tenants.scope("pa", "account_manager"), item_id=item.pk, for_update=True)
    (locking,) = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locking.endswith(f'FOR UPDATE OF "{ChecklistItem._meta.db_table}"')


# --- quick phrases -------------------------------------------------------------------------------------
CSV_GOOD = (
    "快捷键,标题,内容,分类\n/fh,发货时间,亲，48小时内发货,物流\n/th,退货,七天无理由退货,售后\n".encode()
)
CSV_BAD = "快捷键,标题,内容,分类\n/fh,发货时间,亲，48小时内发货,物流\n/th,,七天无理由退货,售后\n".encode()


def test_the_import_previews_then_stores_and_ticks_the_item(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    lead = tenants.scope("pa", "supervisor")
    preview = services.phrases_import(
        lead, engagement_id=engagement.pk, content=CSV_GOOD, filename="话术.csv", preview=True
    )
    assert not preview.stored and [line for line, _v, _u in preview.planned] == [2, 3]
    assert QuickPhrase.all_tenants.count() == 0

    done = services.phrases_import(lead, engagement_id=engagement.pk, content=CSV_GOOD, filename="话术.csv")
    assert done.stored and (done.created, done.updated) == (2, 0)
    assert set(QuickPhrase.all_tenants.values_list("client_id", "provider_id")) == {
        (tenants.ca1.pk, tenants.pa.pk)
    }
    item = selectors.checklist(lead, engagement=engagement).get(kind="quick_phrases")
    assert item.status == ItemStatus.DONE and "2" in item.note


def test_a_wrong_row_stops_the_import_unless_skipped(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    lead = tenants.scope("pa", "supervisor")
    with translation.override("en"):
        stopped = services.phrases_import(
            lead, engagement_id=engagement.pk, content=CSV_BAD, filename="a.csv"
        )
    assert not stopped.stored and stopped.errors[0][0] == 3 and stopped.errors[0][1].startswith("title")
    assert QuickPhrase.all_tenants.count() == 0
    skipped = services.phrases_import(
        lead, engagement_id=engagement.pk, content=CSV_BAD, filename="a.csv", skip_bad_rows=True
    )
    assert skipped.stored and skipped.created == 1 and len(skipped.errors) == 1
    assert list(QuickPhrase.all_tenants.values_list("shortcut", flat=True)) == ["fh"]


def test_excel_files_import_like_csv(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["shortcut", "title", "body", "category"], ["hi", "问候", "您好，在的", "通用"], [None] * 4):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = services.phrases_import(
        tenants.scope("ca1", "client_admin"),
        engagement_id=engagement.pk,
        content=buffer.getvalue(),
        filename="x.xlsx",
    )
    assert result.stored and result.created == 1
    phrase = QuickPhrase.all_tenants.get()
    assert (phrase.shortcut, phrase.client_id, phrase.provider_id) == ("hi", tenants.ca1.pk, None)
    with pytest.raises(Invalid):
        services.phrases_import(
            tenants.scope("ca1", "client_admin"),
            engagement_id=engagement.pk,
            content=b"nope",
            filename="x.xlsx",
        )


# --- handover --------------------------------------------------------------------------------------------
def test_a_started_phase_sets_routings_planned_split_and_is_audited(multi_vendor: Tenants) -> None:
    t = multi_vendor
    queue = routing_services.queue_create(t.scope("pa", "supervisor"), client_id=t.ca1.pk, name="家居-在线")
    engagement = _engagement(t, "pc", "ca1")
    planner = t.scope("pc", "provider_admin")
    today = timezone.localdate()
    first = services.phase_create(planner, engagement_id=engagement.pk, share_percent=20, starts_on=today)
    second = services.phase_create(
        planner, engagement_id=engagement.pk, share_percent=50, starts_on=today + timedelta(days=7)
    )
    with pytest.raises(Invalid):
        services.phase_create(
            planner, engagement_id=engagement.pk, share_percent=40, starts_on=today + timedelta(9)
        )
    with pytest.raises(NotFound):  # the incumbent does not even see the newcomer's engagement
        services.phase_create(
            t.scope("pa", "provider_admin"),
            engagement_id=engagement.pk,
            share_percent=30,
            starts_on=today + timedelta(3),
        )

    assert services.handover_due() == "handover: 1 phases started, 0 failed"
    owner = t.scope("pa", "supervisor")
    shares = {
        p.provider_id: p.share_percent for p in routing_selectors.queue_providers(owner, queue_id=queue.pk)
    }
    assert shares == {t.pa.pk: 80, t.pc.pk: 20}
    assert services.handover_due() == "handover: 0 phases started, 0 failed"  # once only

    services.phase_start(planner, phase_id=second.pk)  # "start phase now"
    shares = {
        p.provider_id: p.share_percent for p in routing_selectors.queue_providers(owner, queue_id=queue.pk)
    }
    assert shares == {t.pa.pk: 50, t.pc.pk: 50}
    phases = selectors.phase_list(planner, engagement=engagement)
    assert selectors.phase_current(phases).pk == second.pk and first.pk in {p.pk for p in phases}
    event = AuditEvent.all_tenants.filter(action="engagements.phase_start").latest("id")
    assert event.data["queues"] == "家居-在线 50%"
    split = selectors.realised_split(planner, engagement=engagement, since=None)
    assert [(r.queue_name, r.planned, r.contacts) for r in split] == [("家居-在线", 50, 0)]


def test_a_started_phase_cannot_be_deleted(multi_vendor: Tenants) -> None:
    engagement = _engagement(multi_vendor, "pc", "ca1")
    planner = multi_vendor.scope("pc", "provider_admin")
    phase = services.phase_create(
        planner, engagement_id=engagement.pk, share_percent=20, starts_on=date(2026, 1, 5)
    )
    services.phase_start(planner, phase_id=phase.pk)
    with pytest.raises(Conflict):
        services.phase_delete(planner, phase_id=phase.pk)
    assert HandoverPhase.all_tenants.count() == 1


# --- break-in ---------------------------------------------------------------------------------------------
def test_a_break_in_period_goes_to_quality_and_marks_agents_new(tenants: Tenants) -> None:
    engagement = _engagement(tenants)
    admin = tenants.scope("pa", "provider_admin")
    start = date(2026, 3, 2)
    period = services.break_in_add(
        admin, engagement_id=engagement.pk, starts_on=start, ends_on=start + timedelta(13)
    )
    assert BreakInPeriod.all_tenants.get().pk == period.pk
    with pytest.raises(Invalid):  # a break-in lasts a week to a month
        services.break_in_add(
            admin, engagement_id=engagement.pk, starts_on=start, ends_on=start + timedelta(3)
        )
    periods = list(quality_selectors.break_in_list(admin, client_id=tenants.ca1.pk))
    agent = tenants.user("pa", "agent").pk
    assert quality_selectors.break_in_covers(periods, agent_id=agent, day=start + timedelta(13))
    assert not quality_selectors.break_in_covers(periods, agent_id=agent, day=start + timedelta(14))
    assert [
        p.pk for p in selectors.break_in_list(tenants.scope("ca1", "client_manager"), engagement=engagement)
    ] == [period.pk]
    with pytest.raises(PermissionDenied):
        services.break_in_add(
            tenants.scope("ca1", "client_admin"),
            engagement_id=engagement.pk,
            starts_on=start,
            ends_on=start + timedelta(9),
        )


# --- risks ---------------------------------------------------------------------------------------
def test_risks_fill_the_heat_grid_and_due_reviews_are_reminded_once(tenants: Tenants) -> None:
    engagement = _engagement(tenants)
    manager = tenants.scope("ca1", "client_manager")
    leak = services.risk_create(
        manager,
        engagement_id=engagement.pk,
        category="data_leak",
        title="坐席截屏外传订单信息",
        likelihood=2,
        impact=5,
        owner_side="provider",
        owner_name="何琳",
        next_review_on=timezone.localdate(),
    )
    services.risk_create(
        tenants.scope("pa", "account_manager"),
        engagement_id=engagement.pk,
        category="attrition",
        title="大促后新人流失",
        likelihood=4,
        impact=3,
        owner_side="provider",
        owner_name="李静",
    )
    with pytest.raises(Invalid):
        services.risk_create(
            manager,
            engagement_id=engagement.pk,
            category="data_leak",
            title="x",
            likelihood=6,
            impact=1,
            owner_side="client",
            owner_name="方圆",
        )
    grid = dict(selectors.heat_grid(selectors.risk_list(manager, engagement=engagement)))
    assert [r.title for r in grid[5][1].risks] == ["坐席截屏外传订单信息"] and grid[5][1].level == "high"
    assert grid[3][3].level == "high" and len(grid[3][3].risks) == 1 and grid[1][1].level == "low"

    assert services.risk_reviews_due() == "risks: 1 reviews due"
    assert services.risk_reviews_due() == "risks: 0 reviews due"
    services.risk_update(manager, risk_id=leak.pk, reviewed=True, impact=4)
    leak.refresh_from_db()
    assert leak.next_review_on == timezone.localdate() + timedelta(days=30) and leak.score == 8
    with pytest.raises(NotFound):
        services.risk_update(tenants.scope("pb", "provider_admin"), risk_id=leak.pk, impact=1)
    assert Risk.all_tenants.get(pk=leak.pk).impact == 4


def test_a_due_risk_review_is_mailed_to_its_owner_else_to_that_sides_admins(tenants: Tenants) -> None:
    # given a provider risk owned by a named member of the provider, and a client risk whose
    # owner is nobody in Kefu
    engagement = _engagement(tenants)
    owner = tenants.user("pa", "agent")
    owner.display_name = "黄敏"
    owner.save(update_fields=["display_name"])
    manager = tenants.scope("ca1", "client_manager")
    for side, name, title in (("provider", "黄敏", "新坐席错答率上升"), ("client", "方圆", "接口限流")):
        services.risk_create(
            manager,
            engagement_id=engagement.pk,
            category="quality_drop",
            title=title,
            likelihood=3,
            impact=3,
            owner_side=side,
            owner_name=name,
            next_review_on=timezone.localdate(),
        )
    mail.outbox.clear()

    # when the reminder job runs (twice)
    with translation.override("en"):
        assert services.risk_reviews_due() == "risks: 2 reviews due"
    services.risk_reviews_due()

    # then one mail went to the owner, one to the client's admins, and none the second time
    sent = sorted((m.to, m.subject) for m in mail.outbox)
    client_admins = [tenants.user("ca1", "client_admin").email]
    assert sent == sorted(
        [
            ([owner.email], "Risk review due: 新坐席错答率上升"),
            (client_admins, "Risk review due: 接口限流"),
        ]
    )
    assert "黄敏: the risk “新坐席错答率上升”" in next(m.body for m in mail.outbox if m.to == [owner.email])


def test_due_diligence_is_judged_by_the_client(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    item = selectors.diligence_list(tenants.scope("pa", "account_manager"), engagement=engagement)[0]
    with pytest.raises(PermissionDenied):
        services.diligence_update(
            tenants.scope("pa", "account_manager"), item_id=item.pk, status="satisfactory"
        )
    services.diligence_update(
        tenants.scope("ca1", "client_admin"), item_id=item.pk, status="concern", note="未见协议"
    )
    item.refresh_from_db()
    assert (item.status, item.note) == ("concern", "未见协议")


# --- interfaces ----------------------------------------------------------------------------------
def test_the_pages_show_progress_to_both_sides(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    for org, role in (("pa", "account_manager"), ("ca1", "client_manager")):
        client = tenants.client_for(org, role)
        listing = client.get("/engagements/onboarding/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "0 of 10 done" in listing
        page = client.get(f"/engagements/onboarding/{engagement.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200 and "Quick-phrase export" in page.content.decode()
        assert client.get(f"/engagements/onboarding/{engagement.pk}/risks/").status_code == 200
    assert tenants.client_for("pa", "agent").get("/engagements/onboarding/").status_code == 403


def test_the_import_page_previews_then_imports_the_carried_file(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    client = tenants.client_for("pa", "supervisor")
    url = f"/engagements/onboarding/{engagement.pk}/phrases/"
    preview = client.post(
        url, {"step": "preview", "file": SimpleUploadedFile("a.csv", CSV_BAD)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    body = preview.content.decode()
    assert preview.status_code == 422 and "Row 3: title" in body and QuickPhrase.all_tenants.count() == 0
    carried = preview.context["carried"]
    stored = client.post(
        url, {"step": "import", "carried": carried, "filename": "a.csv", "skip_bad_rows": "1"}
    )
    assert stored.status_code == 302 and QuickPhrase.all_tenants.count() == 1


def test_the_api_reads_the_onboarding_and_imports_with_row_errors(tenants: Tenants) -> None:
    engagement = _seeded(tenants)
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "supervisor"), name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    from django.test import Client

    client = Client()
    got = client.get(f"/api/engagements/{engagement.pk}/onboarding", **auth)
    assert got.status_code == 200 and got.json()["total"] == 10 and got.json()["current_share"] is None
    bad = client.post(
        f"/api/engagements/{engagement.pk}/quick-phrases/import",
        {"file": SimpleUploadedFile("a.csv", CSV_BAD)},
        **auth,
    )
    assert bad.status_code == 200 and bad.json()["errors"][0]["row"] == 3 and bad.json()["stored"] is False
    item_id = got.json()["items"][0]["id"]
    refused = client.patch(
        f"/api/onboarding-items/{item_id}", {"status": "done"}, content_type="application/json", **auth
    )
    assert refused.status_code == 403  # the client delivers product material
    risk = client.post(
        f"/api/engagements/{engagement.pk}/risks",
        {
            "category": "system_outage",
            "title": "店铺后台接口限流",
            "likelihood": 3,
            "impact": 4,
            "owner_side": "client",
            "owner_name": "方圆",
        },
        content_type="application/json",
        **auth,
    )
    assert risk.status_code == 201 and risk.json()["score"] == 12
    wrong = client.patch(
        f"/api/risks/{risk.json()['id']}", {"likelihood": 9}, content_type="application/json", **auth
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "likelihood"
