"""Contracts: drafting, approval by both sides, the frozen signed text, amendments, access log,
reminders, and the SLA standing measured from the event log."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from kefu.analytics.metrics.dictionary import METRICS
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.engagements.contracts import selectors, services, standing
from kefu.engagements.contracts.models import Contract, ContractReminder, ContractStatus, SignedContract
from kefu.engagements.contracts.tests.conftest import ASA, CONTRACT, START, at, engagement_of
from kefu.tenancy import selectors as tenancy_selectors
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_both_sides_approve_then_the_version_is_signed_and_frozen(tenants: Tenants, draft: Contract) -> None:
    services.contract_approve(tenants.scope("pa", "provider_admin"), contract_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT
    services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=draft.pk)
    draft.refresh_from_db()
    signed = SignedContract.all_tenants.get(contract=draft)
    assert draft.status == ContractStatus.SIGNED
    assert signed.sha256 == services.digest_sha256(signed.document)
    assert [t["metric_id"] for t in signed.document["terms"]] == ["answer_rate", "asa"]
    assert signed.document["monthly_fee"] == "100000.00"
    with pytest.raises(RuntimeError):
        signed.save()
    with pytest.raises(Conflict):
        services.contract_update(tenants.scope("pa", "provider_admin"), contract_id=draft.pk, title="改")
    with pytest.raises(Conflict):
        services.term_add(tenants.scope("pa", "provider_admin"), contract_id=draft.pk, **ASA)


def test_a_change_to_the_draft_withdraws_the_approvals(tenants: Tenants, draft: Contract) -> None:
    admin = tenants.scope("pa", "provider_admin")
    services.contract_approve(admin, contract_id=draft.pk)
    services.contract_update(admin, contract_id=draft.pk, seats=10)
    draft.refresh_from_db()
    assert (draft.provider_approved_at, draft.seats) == (None, 10)
    services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT  # the provider must approve the changed text again


def test_one_side_approves_once(tenants: Tenants, draft: Contract) -> None:
    admin = tenants.scope("pa", "provider_admin")
    services.contract_approve(admin, contract_id=draft.pk)
    with pytest.raises(Conflict):
        services.contract_approve(admin, contract_id=draft.pk)


def test_an_amendment_is_a_new_version_that_supersedes_the_signed_one(
    tenants: Tenants, signed: Contract
) -> None:
    admin = tenants.scope("pa", "provider_admin")
    amendment = services.contract_amend(admin, contract_id=signed.pk)
    assert (amendment.version, amendment.previous_id, amendment.status) == (
        2,
        signed.pk,
        ContractStatus.DRAFT,
    )
    assert [t.metric_id for t in selectors.term_list(amendment)] == ["answer_rate", "asa"]
    with pytest.raises(Conflict):
        services.contract_amend(admin, contract_id=signed.pk)  # one open draft at a time
    services.contract_update(admin, contract_id=amendment.pk, seats=12)
    services.contract_approve(admin, contract_id=amendment.pk)
    services.contract_approve(tenants.scope("ca1", "client_admin"), contract_id=amendment.pk)
    signed.refresh_from_db()
    assert signed.status == ContractStatus.SUPERSEDED
    assert selectors.contract_in_force(admin, engagement_id=signed.engagement_id).pk == amendment.pk
    assert SignedContract.all_tenants.get(contract=signed).document["seats"] == 8  # unchanged


def test_reading_a_signed_contract_is_access_logged_and_a_draft_is_not(
    tenants: Tenants, draft: Contract
) -> None:
    manager = tenants.scope("ca1", "client_manager")
    services.contract_open(manager, contract_id=draft.pk)
    admin_view = tenants.scope("ca1", "client_admin")
    assert not tenancy_selectors.access_log_list(admin_view).filter(resource_type="contract").exists()
    services.contract_approve(tenants.scope("pa", "provider_admin"), contract_id=draft.pk)
    services.contract_approve(admin_view, contract_id=draft.pk)
    services.contract_open(manager, contract_id=draft.pk, purpose="standing", ip_address="10.0.0.9")
    entry = tenancy_selectors.access_log_list(admin_view).get(resource_type="contract")
    assert (entry.resource_id, entry.fields, entry.actor_name, entry.client_id) == (
        str(draft.pk), "standing", manager.username, tenants.ca1.pk,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("org", "role", "error"),
    [
        ("pb", "provider_admin", NotFound),  # another tenant's contract
        ("ca2", "client_admin", NotFound),  # a client of the same provider
        ("ca1", "client_l2", PermissionDenied),  # confidential: not for after-sales staff
        ("pa", "agent", PermissionDenied),
    ],
)
def test_who_may_not_read_a_contract(
    tenants: Tenants, draft: Contract, org: str, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.contract_open(tenants.scope(org, role), contract_id=draft.pk)


def test_the_client_approves_but_does_not_draft(tenants: Tenants, draft: Contract) -> None:
    with pytest.raises(PermissionDenied):
        services.contract_update(tenants.scope("ca1", "client_admin"), contract_id=draft.pk, seats=1)
    with pytest.raises(PermissionDenied):
        services.contract_approve(tenants.scope("pa", "account_manager"), contract_id=draft.pk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"metric_id": "nope", "target": 80}, "metric_id"),
        ({"metric_id": "answer_rate", "target": 120}, "target"),
        ({"metric_id": "answer_rate", "target": "NaN"}, "target"),
        ({"metric_id": "answer_rate", "target": 80, "floor_window": "day"}, "floor_target"),
        ({"metric_id": "answer_rate", "target": 80, "consequence": "fine"}, "consequence"),
        ({"metric_id": "answer_rate", "target": 80, "earn_back_periods": 1.5}, "earn_back_periods"),
        ({"metric_id": "answer_rate", "target": 80, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_term_names_the_field(
    tenants: Tenants, draft: Contract, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        services.term_add(tenants.scope("pa", "provider_admin"), contract_id=draft.pk, **fields)
    assert caught.value.field == field


def test_a_term_on_a_metric_not_measured_yet_is_refused(
    tenants: Tenants, draft: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every metric is measured today; a term must still refuse one marked unavailable.
    not_yet = dataclasses.replace(METRICS["occupancy"], available=False, unavailable_reason="not yet")
    monkeypatch.setitem(METRICS, "occupancy", not_yet)

    with pytest.raises(Invalid) as caught:
        services.term_add(
            tenants.scope("pa", "provider_admin"), contract_id=draft.pk, metric_id="occupancy", target=80
        )

    assert caught.value.field == "metric_id"


def test_bad_contract_fields_name_the_field(tenants: Tenants) -> None:
    admin = tenants.scope("pa", "provider_admin")
    engagement = engagement_of(tenants)
    for change, field in (
        ({"starts_on": "2026-02-30"}, "starts_on"),
        ({"ends_on": "2025-01-01"}, "ends_on"),
        ({"channels": ["fax"]}, "channels"),
        ({"monthly_fee": "-1"}, "monthly_fee"),
        ({"title": ""}, "title"),
    ):
        with pytest.raises(Invalid) as caught:
            services.contract_create(admin, engagement_id=engagement, **{**CONTRACT, **change})
        assert caught.value.field == field
    assert not Contract.all_tenants.exists()


def test_another_providers_engagement_is_not_found(tenants: Tenants) -> None:
    other = next(iter(tenancy_selectors.engagement_list(tenants.scope("pb", "provider_admin")))).pk
    with pytest.raises(NotFound):
        services.contract_create(tenants.scope("pa", "provider_admin"), engagement_id=other, **CONTRACT)


def test_renewal_and_termination_are_announced_once_to_both_sides(tenants: Tenants, signed: Contract) -> None:
    for org, role in (("pa", "provider_admin"), ("pa", "account_manager"), ("ca1", "client_admin")):
        user = tenants.user(org, role)
        user.email = f"{org}-{role}@example.cn"
        user.save()
    signed_at = date(2027, 2, 1) - timedelta(days=30)  # renews_on 2027-02-01, notice 30 days
    with at(START.replace(year=signed_at.year, month=signed_at.month, day=signed_at.day)):
        assert services.contract_reminders_due() == "contract reminders: 1 sent"
        assert services.contract_reminders_due() == "contract reminders: 0 sent"
    with at(START.replace(year=2027, month=2, day=20)):  # ends_on 2027-02-28 is now within notice
        assert services.contract_reminders_due() == "contract reminders: 1 sent"
    reminders = ContractReminder.all_tenants.order_by("due_on")
    assert [(r.kind, r.due_on) for r in reminders] == [
        ("renewal", date(2027, 2, 1)), ("termination", date(2027, 2, 28)),
    ]  # fmt: skip
    assert sorted(mail.outbox[0].to) == [
        "ca1-client_admin@example.cn", "pa-account_manager@example.cn", "pa-provider_admin@example.cn",
    ]  # fmt: skip


@pytest.mark.usefixtures("worked_day")
def test_the_standing_measures_each_term_and_projects_the_money(
    tenants: Tenants, signed: Contract, next_morning: Any
) -> None:
    found = standing.contract_standing(signed, month=date(2026, 3, 1))
    rate, asa = found.rows
    # answer rate 2/3 = 66.67 %: 13.33 points short → 14 steps × 1 % = 14 %, capped at 5 % = ¥5,000;
    # its daily floor (50 %) held on the one day with contacts, the other days (to the 11th) have none
    assert (round(rate.value, 2), rate.outcome.status, rate.outcome.amount) == (
        66.67,
        "missed",
        Decimal("5000.00"),
    )
    assert rate.outcome.floors_missed == 0 and len(rate.floors) == 11  # 1–11 March, today included
    # ASA 35 s against 30 s: 5 s over, steps of 10 s → 1 × 2 % = ¥2,000
    assert (asa.value, asa.outcome.amount) == (35.0, Decimal("2000.00"))
    assert found.projected and found.last == date(2026, 3, 11)
    assert (found.period.credits, found.period.bonus) == (Decimal("7000.00"), Decimal("0.00"))
    assert [(e["state"], e["amount"]) for e in found.earn_backs] == [("pending", Decimal("5000.00"))]


def test_the_standing_before_the_contract_starts_is_empty(tenants: Tenants, signed: Contract) -> None:
    with at(START):
        found = standing.contract_standing(signed, month=date(2026, 2, 1))
    assert (found.rows, found.period) == ([], None)
