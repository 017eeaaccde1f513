"""The provider directory and requests for quotes to providers a client does not work with yet.

Tenant A's provider `pa` lists itself; tenant B's client `cb` (served by `pb`) invites `pa` and
`pb` to quote. `pa` gets a proposed engagement: it sees that intake and its own quote, nothing
else of `cb`; `cb` sees `pa`'s profile and quote; neither provider sees the other's quote.
"""

from __future__ import annotations

from typing import Any

import pytest

from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.directory import selectors, services
from kefu.engagements.quoting import selectors as quoting_selectors
from kefu.engagements.quoting import services as quoting_services
from kefu.engagements.quoting.models import Quote
from kefu.engagements.quoting.tests import factories
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import AuditEvent, Engagement
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db

PROFILE: dict[str, Any] = {
    "summary": "南京 300 席，电商售前售后",
    "services": ["pre_sales", "after_sales"],
    "channels": ["chat", "phone"],
    "languages": "中文, English",
    "qualifications": "ISO 27001",
    "references": "两家母婴品牌",
    "security": "坐席电脑禁用 U 盘，录音加密",
}


def _list(t: Tenants, org: str = "pa", listed: bool = True) -> Any:
    return services.listing_save(t.scope(org, "provider_admin"), listed=listed, **PROFILE)


def _invite(t: Tenants) -> tuple[Any, Any]:
    """cb asks pa (listed, a stranger) and pb (its provider) to quote on a new intake."""
    buyer = t.scope("cb", "client_manager")
    intake = factories.intake(buyer)
    rfq = quoting_services.rfq_create(buyer, intake_id=intake.pk, provider_ids=[t.pa.pk, t.pb.pk])
    return intake, rfq


def _engagement(t: Tenants) -> Engagement:
    return Engagement.objects.get(provider=t.pa, client=t.cb)


def test_a_client_sees_only_listed_profiles(tenants: Tenants) -> None:
    t = tenants
    _list(t, "pa")
    _list(t, "pb", listed=False)
    buyer = t.scope("cb", "client_admin")
    assert [r.provider_id for r in selectors.listing_list(buyer)] == [t.pa.pk]
    assert selectors.listing_get(buyer, provider_id=t.pa.pk).security == PROFILE["security"]
    with pytest.raises(NotFound):
        selectors.listing_get(buyer, provider_id=t.pb.pk)  # unlisted, even its own provider
    # providers and client staff without the comparison duty read no directory
    for scope in (t.scope("pb", "provider_admin"), t.scope("cb", "client_viewer")):
        assert list(selectors.listing_list(scope)) == []
        with pytest.raises(NotFound):
            selectors.listing_get(scope, provider_id=t.pa.pk)
    page = t.client_for("cb", "client_manager").get("/engagements/directory/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and f'data-provider="{t.pa.pk}"' in page.content.decode()
    assert f'data-provider="{t.pb.pk}"' not in page.content.decode()
    assert t.client_for("cb", "client_manager").get(f"/engagements/directory/{t.pb.pk}/").status_code == 404


def test_listing_rules_and_unlisting(tenants: Tenants) -> None:
    t = tenants
    with pytest.raises(Invalid) as empty:
        services.listing_save(t.scope("pa", "provider_admin"), listed=True, summary="", services=[])
    assert empty.value.field == "summary"
    with pytest.raises(Invalid):
        services.listing_save(t.scope("pa", "provider_admin"), listed=False, services=["coffee"])
    for scope in (t.scope("pa", "account_manager"), t.scope("cb", "client_admin")):
        with pytest.raises(PermissionDenied):
            services.listing_save(scope, listed=True, **PROFILE)
    _list(t)
    services.listing_save(t.scope("pa", "provider_admin"), listed=False, **PROFILE)
    assert list(selectors.listing_list(t.scope("cb", "client_admin"))) == []
    actions = list(
        AuditEvent.all_tenants.filter(provider=t.pa, action__startswith="engagements.directory").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["engagements.directory_list", "engagements.directory_unlist"]


def test_unlisted_strangers_cannot_be_invited(tenants: Tenants) -> None:
    t = tenants
    buyer = t.scope("cb", "client_manager")
    intake = factories.intake(buyer)
    with pytest.raises(NotFound):
        quoting_services.rfq_create(buyer, intake_id=intake.pk, provider_ids=[t.pa.pk])
    response = t.client_for("cb", "client_manager").post(
        "/api/quote-rfqs",
        {"intake_id": intake.pk, "provider_ids": [t.pa.pk]},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not Engagement.objects.filter(provider=t.pa, client=t.cb).exists()


def test_a_proposed_provider_sees_the_intake_and_its_own_quote_only(tenants: Tenants) -> None:
    t = tenants
    _list(t)
    conversation = desk_services.conversation_create(
        t.scope("pb", "supervisor"), channel="chat", client_id=t.cb.pk, message="你好"
    )
    other_intake = factories.intake(t.scope("cb", "client_manager"))  # not in the RFQ
    intake, rfq = _invite(t)
    assert _engagement(t).status == Engagement.Status.PROPOSED
    seller = t.scope("pa", "account_manager")
    # no client data: the proposed engagement is not a partnership
    assert t.cb.pk not in seller.client_ids and t.pa.pk not in t.scope("cb", "client_admin").provider_ids
    assert t.cb.pk not in {o.pk for o in tenancy_selectors.organization_list(seller)}
    assert all(e.client_id != t.cb.pk for e in tenancy_selectors.engagement_list(seller))
    assert all(pk != _engagement(t).pk for pk, _n in contract_selectors.engagement_choices(seller))
    assert t.client_for("pa", "supervisor").get(f"/api/conversations/{conversation.pk}").status_code == 404
    assert t.client_for("pb", "supervisor").get(f"/api/conversations/{conversation.pk}").status_code == 200
    # the invitation's intake, and only it
    assert {i.pk for i in quoting_selectors.intake_list(seller)} >= {intake.pk}
    assert other_intake.pk not in {i.pk for i in quoting_selectors.intake_list(seller)}
    with pytest.raises(NotFound):
        quoting_services.intake_update(seller, intake_id=intake.pk, title="改", data=intake.data)
    mine = factories.quote(seller, intake, options=[20, 24], send=True)
    theirs = factories.quote(t.scope("pb", "account_manager"), intake, options=[22], send=True)
    assert mine.version == 1 and factories.quote(seller, intake).version == 2  # versions counted
    # providers never see each other's quotes
    assert {q.pk for q in quoting_selectors.quote_list(seller, intake_id=intake.pk)} >= {mine.pk}
    assert theirs.pk not in {q.pk for q in quoting_selectors.quote_list(seller)}
    assert mine.pk not in {q.pk for q in quoting_selectors.quote_list(t.scope("pb", "account_manager"))}
    api = t.client_for("pa", "account_manager")
    assert api.get(f"/api/quotes/{theirs.pk}").status_code == 404
    assert api.get(f"/api/quote-intakes/{intake.pk}").status_code == 200
    assert api.get(f"/api/quote-intakes/{other_intake.pk}").status_code == 404
    page = api.get(f"/engagements/quotes/intakes/{intake.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'id="invitation"' in page.content.decode()
    # the client sees both sent quotes and the stranger's profile in the comparison
    buyer = t.scope("cb", "client_manager")
    rows = {r["provider_id"]: r for r in quoting_selectors.rfq_comparison(buyer, rfq)}
    assert rows[t.pa.pk]["quote"].pk == mine.pk and rows[t.pb.pk]["quote"].pk == theirs.pk
    assert rows[t.pa.pk]["provider"] == t.pa.name
    page = t.client_for("cb", "client_manager").get(
        f"/engagements/quotes/rfq/{rfq.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (
        f"/engagements/directory/{t.pa.pk}/" in page.content.decode()
        and "new provider" in page.content.decode()
    )
    # the proposal is in both sides' trails
    proposed = AuditEvent.all_tenants.filter(action="engagement.proposed")
    assert {(a.provider_id, a.client_id) for a in proposed} == {(None, t.cb.pk), (t.pa.pk, None)}


def test_awarding_a_stranger_makes_the_engagement_active(tenants: Tenants) -> None:
    t = tenants
    _list(t)
    intake, rfq = _invite(t)
    seller = t.scope("pa", "account_manager")
    mine = factories.quote(seller, intake, options=[20], send=True)
    theirs = factories.quote(t.scope("pb", "account_manager"), intake, options=[22], send=True)
    quoting_services.rfq_decide(
        t.scope("cb", "client_manager"), rfq_id=rfq.pk, quote_id=mine.pk, seats=20, reason="价格"
    )
    engagement = _engagement(t)
    assert engagement.status == Engagement.Status.ACTIVE and engagement.started_on is not None
    theirs.refresh_from_db()
    assert theirs.status == Quote.Status.DECLINED
    # pb serves cb already: its engagement is untouched
    assert Engagement.objects.get(provider=t.pb, client=t.cb).status == Engagement.Status.ACTIVE
    # the contract flow starts from the ordinary engagement and the accepted quote
    admin = t.scope("pa", "provider_admin")
    assert engagement.pk in dict(contract_selectors.engagement_choices(admin))
    assert mine.pk in dict(contract_selectors.accepted_quote_choices(admin))
    assert AuditEvent.all_tenants.filter(action="engagement.awarded").count() == 2


def test_passed_over_strangers_are_declined_and_lose_access(tenants: Tenants) -> None:
    t = tenants
    _list(t)
    intake, rfq = _invite(t)
    seller = t.scope("pa", "account_manager")
    mine = factories.quote(seller, intake, options=[20], send=True)
    theirs = factories.quote(t.scope("pb", "account_manager"), intake, options=[22], send=True)
    quoting_services.rfq_decide(
        t.scope("cb", "client_manager"), rfq_id=rfq.pk, quote_id=theirs.pk, seats=22, reason="老朋友"
    )
    assert _engagement(t).status == Engagement.Status.DECLINED
    seller = t.scope("pa", "account_manager")
    assert intake.pk not in {i.pk for i in quoting_selectors.intake_list(seller)}
    assert mine.pk not in {q.pk for q in quoting_selectors.quote_list(seller)}
    with pytest.raises(NotFound):
        quoting_selectors.quote_get(seller, quote_id=mine.pk)
    # the client keeps its record of the comparison, the declined quote included
    mine.refresh_from_db()
    assert mine.status == Quote.Status.DECLINED
    assert mine.pk in {q.pk for q in quoting_selectors.quote_list(t.scope("cb", "client_manager"))}
    assert AuditEvent.all_tenants.filter(action="engagement.declined", provider=t.pa).count() == 1


def test_a_stranger_invited_twice_keeps_the_other_invitation(tenants: Tenants) -> None:
    t = tenants
    _list(t)
    intake, rfq = _invite(t)
    second, _rfq2 = _invite(t)
    theirs = factories.quote(t.scope("pb", "account_manager"), intake, options=[22], send=True)
    quoting_services.rfq_decide(
        t.scope("cb", "client_manager"), rfq_id=rfq.pk, quote_id=theirs.pk, seats=22, reason="老朋友"
    )
    assert _engagement(t).status == Engagement.Status.PROPOSED
    visible = {i.pk for i in quoting_selectors.intake_list(t.scope("pa", "account_manager"))}
    assert second.pk in visible and intake.pk not in visible  # the decided one is closed
