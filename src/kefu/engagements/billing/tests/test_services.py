"""Invoices on the database: the lines equal the contract's pricing terms × the measured metrics,
the status workflow with its audit, who sees what, pricing terms from the accepted quote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from kefu.analytics.metrics import queries
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.engagements.billing import selectors, services
from kefu.engagements.billing.models import Invoice, InvoiceStatus
from kefu.engagements.billing.tests.conftest import CONTRACT, START, at, engagement_of
from kefu.engagements.contracts import services as contract_services
from kefu.engagements.contracts import standing
from kefu.engagements.contracts.models import Contract, SignedContract
from kefu.engagements.contracts.tests.conftest import ANSWER_RATE
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db
APRIL = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def test_the_invoice_equals_the_contract_times_the_measured_metrics(
    tenants: Tenants, contract: Contract, worked_day: None
) -> None:
    admin = tenants.scope("pa", "provider_admin")
    with at(APRIL):
        invoice = services.invoice_create(admin, contract_id=contract.pk, period="2026-03", months=1)
        handled = queries.metric_value(
            admin,
            queries.metric_query(
                admin,
                metric_id="handled",
                client_id=tenants.ca1.pk,
                date_from="2026-03-01",
                date_to="2026-03-31",
            ),
        ).result.value
        month = standing.contract_standing(contract, month=START.date().replace(day=1))

    # contacts handled 2 × ¥12.50; answer rate 66.67 % vs 80 %: 14 steps × 1 % capped at 5 % =
    # 5000; ASA 35 s vs 30 s: one started step of 10 s × 2 % = 2000; credits 7000 (< 10 % at risk)
    assert handled == 2
    assert month.period is not None and month.period.credits == Decimal("7000.00")
    assert [(ln["code"], ln["quantity"], ln["unit_price"], ln["amount"]) for ln in invoice.lines] == [
        ("contacts", "2", "12.50", "25.00"),
        ("sla_credit", "1", "-7000.00", "-7000.00"),
    ]
    assert (invoice.net, invoice.vat, invoice.total) == (
        Decimal("-6975.00"),
        Decimal("0"),
        Decimal("-6975.00"),
    )
    assert (invoice.usage["contacts"], invoice.usage["resolved"], invoice.usage["complete"]) == (2, 0, True)
    assert (invoice.period_start.isoformat(), invoice.period_end.isoformat()) == ("2026-03-01", "2026-03-31")
    assert invoice.sla["months"] == [
        {"month": "2026-03", "credits": "7000.00", "bonus": "0.00", "earned_back": "0.00", "projected": False}
    ]


def test_the_period_follows_the_payment_terms(tenants: Tenants, contract: Contract) -> None:
    with at(APRIL + timedelta(days=100)):
        invoice = services.invoice_create(
            tenants.scope("pa", "account_manager"), contract_id=contract.pk, period="2026-04"
        )
    assert (invoice.period_start.isoformat(), invoice.period_end.isoformat()) == ("2026-04-01", "2026-06-30")
    assert invoice.usage["months"] == 3 and invoice.number == f"INV-{contract.engagement_id}-202604"


def test_issue_dispute_correct_issue_and_pay_each_audited(tenants: Tenants, contract: Contract) -> None:
    admin = tenants.scope("pa", "provider_admin")
    client = tenants.scope("ca1", "client_manager")
    with at(START):
        draft = services.invoice_create(admin, contract_id=contract.pk, period="2026-03", months=1)
        with pytest.raises(Conflict):
            services.invoice_issue(admin, invoice_id=draft.pk)  # the month is not over
        with pytest.raises(NotFound):
            selectors.invoice_get(client, invoice_id=draft.pk)  # a client never sees a draft
    assert list(selectors.invoice_list(client)) == []
    with at(APRIL):
        with pytest.raises(PermissionDenied):
            services.invoice_issue(client, invoice_id=draft.pk)
        issued = services.invoice_issue(admin, invoice_id=draft.pk)
        with pytest.raises(Invalid) as bad:
            services.invoice_dispute(client, invoice_id=draft.pk, reason=" ")
        assert bad.value.field == "reason"
        disputed = services.invoice_dispute(client, invoice_id=draft.pk, reason="3 月 10 日平台故障应排除")
        with pytest.raises(Conflict):
            services.invoice_pay(admin, invoice_id=draft.pk)
        correction = services.invoice_resolve(admin, invoice_id=draft.pk, outcome="correct", note="同意排除")
        with pytest.raises(Invalid) as no_reason:
            services.invoice_recompute(admin, invoice_id=correction.pk, adjustment="5000")
        assert no_reason.value.field == "adjustment_note"
        corrected = services.invoice_recompute(
            admin, invoice_id=correction.pk, adjustment="5000", adjustment_note="平台故障期间的服务费扣减退回"
        )
        services.invoice_issue(admin, invoice_id=correction.pk)
        paid = services.invoice_pay(admin, invoice_id=correction.pk)
    draft.refresh_from_db()
    assert (issued.status, disputed.status, draft.status) == ("issued", "disputed", InvoiceStatus.SUPERSEDED)
    assert (correction.version, correction.previous_id, correction.number) == (2, draft.pk, draft.number)
    assert (draft.net, corrected.net, corrected.vat) == (
        Decimal("0.00"),
        Decimal("5000.00"),
        Decimal("300.00"),
    )
    assert paid.status == InvoiceStatus.PAID and paid.paid_by_id == tenants.user("pa", "provider_admin").pk
    assert draft.disputed_by_id == tenants.user("ca1", "client_manager").pk
    assert draft.dispute_reason == "3 月 10 日平台故障应排除" and draft.resolution_note == "同意排除"
    assert [i.version for i in selectors.invoice_list(client)] == [2, 1]
    actions = list(
        AuditEvent.all_tenants.filter(action__startswith="engagements.invoice_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "engagements.invoice_create", "engagements.invoice_issue", "engagements.invoice_dispute",
        "engagements.invoice_resolve", "engagements.invoice_create", "engagements.invoice_recompute",
        "engagements.invoice_issue", "engagements.invoice_pay",
    ]  # fmt: skip


def test_a_confirmed_dispute_issues_the_same_invoice_again(tenants: Tenants, contract: Contract) -> None:
    admin = tenants.scope("pa", "provider_admin")
    with at(APRIL):
        invoice = services.invoice_create(admin, contract_id=contract.pk, period="2026-03", months=1)
        services.invoice_issue(admin, invoice_id=invoice.pk)
        services.invoice_dispute(
            tenants.scope("ca1", "client_admin"), invoice_id=invoice.pk, reason="数量不对"
        )
        confirmed = services.invoice_resolve(
            admin, invoice_id=invoice.pk, outcome="confirm", note="已核对事件日志"
        )
    assert (confirmed.pk, confirmed.status, Invoice.all_tenants.count()) == (invoice.pk, "issued", 1)


def test_one_invoice_per_period_and_bad_input_names_the_field(tenants: Tenants, contract: Contract) -> None:
    admin = tenants.scope("pa", "provider_admin")
    with at(APRIL):
        services.invoice_create(admin, contract_id=contract.pk, period="2026-03", months=1)
        failures = []
        for kwargs in (
            {"period": "2026-03", "months": 1},
            {"period": "2026-3"},
            {"period": "2026-05"},
            {"period": "2026-02", "months": 1},
            {"period": "2026-04", "months": 13},
            {"period": "2026-04", "sales_correction": "x", "sales_correction_note": "typo"},
            {"period": "2026-04", "sales_correction": "100"},
        ):
            with pytest.raises((Conflict, Invalid)) as caught:
                services.invoice_create(admin, contract_id=contract.pk, **kwargs)
            failures.append((type(caught.value).__name__, caught.value.field))
    assert failures == [
        ("Conflict", "period"), ("Invalid", "period"), ("Invalid", "period"), ("Invalid", "period"),
        ("Invalid", "months"), ("Invalid", "sales_correction"), ("Invalid", "sales_correction_note"),
    ]  # fmt: skip


def test_a_draft_contract_or_another_tenants_contract_cannot_be_invoiced(
    tenants: Tenants, contract: Contract
) -> None:
    admin = tenants.scope("pa", "provider_admin")
    amendment = contract_services.contract_amend(admin, contract_id=contract.pk)
    with pytest.raises(Conflict):
        services.invoice_create(admin, contract_id=amendment.pk, period="2026-03")
    with pytest.raises(NotFound):
        services.invoice_create(
            tenants.scope("pb", "provider_admin"), contract_id=contract.pk, period="2026-03"
        )
    with pytest.raises(PermissionDenied):
        services.invoice_create(
            tenants.scope("ca1", "client_admin"), contract_id=contract.pk, period="2026-03"
        )


def test_pricing_terms_are_checked_and_frozen_in_the_signed_text(
    tenants: Tenants, contract: Contract
) -> None:
    signed = SignedContract.all_tenants.get(contract=contract)
    assert (signed.document["pricing_model"], signed.document["pricing_rates"]) == (
        "per_contact",
        {"rate_per_contact": "12.50", "vat_pct": "6.00", "hours_per_seat_month": "176.00"},
    )
    admin = tenants.scope("pa", "provider_admin")
    failures = []
    for model, rates in (
        ("barter", {}),
        ("hourly", {}),
        ("hourly", {"rate_per_hour": "abc"}),
        ("hourly", {"rate_per_hour": "50", "tip": "1"}),
        ("anchored_volume", {"monthly": 1, "band_low": 9, "band_high": 8, "over_rate": 1, "under_rate": 1}),
    ):
        with pytest.raises(Invalid) as caught:
            contract_services.contract_create(
                admin,
                engagement_id=engagement_of(tenants),
                **{**CONTRACT, "pricing_model": model, "pricing_rates": rates},
            )
        failures.append(caught.value.field)
    assert failures == [
        "pricing_model", "pricing_rates.rate_per_hour", "pricing_rates.rate_per_hour", "pricing_rates.tip",
        "pricing_rates.band_low",
    ]  # fmt: skip


def test_a_contract_from_an_accepted_quote_takes_the_accepted_options_rates(tenants: Tenants) -> None:
    from kefu.engagements.quoting import services as quoting_services
    from kefu.engagements.quoting.tests import factories

    made = factories.intake(tenants.scope("ca1", "client_manager"))
    quote = factories.quote(tenants.scope("pa", "account_manager"), made, options=[8, 10], send=True)
    quote = quoting_services.quote_decide(
        tenants.scope("ca1", "client_manager"), quote_id=quote.pk, accept=True, seats=10
    )
    ten = next(o for o in quote.result["options"] if o["seats"] == 10)["prices"]
    admin = tenants.scope("pa", "provider_admin")
    fields = {k: v for k, v in CONTRACT.items() if k != "seats"}
    contract = contract_services.contract_create(
        admin, engagement_id=engagement_of(tenants), quote_id=quote.pk, pricing_model="seat_month", **fields
    )
    assert contract.pricing_rates == {
        "rate_per_seat_month": ten["seat_month"]["rate_per_seat_month"],
        "vat_pct": "6.00",
        "hours_per_seat_month": "176.00",
    }
    changed = contract_services.contract_update(
        admin, contract_id=contract.pk, pricing_model="hourly", pricing_rates={"rate_per_hour": "61.5"}
    )
    assert (changed.pricing_model, changed.pricing_rates["rate_per_hour"]) == ("hourly", "61.50")
    contract_services.term_add(admin, contract_id=contract.pk, **ANSWER_RATE)
