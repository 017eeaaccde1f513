"""Sales statements on the database: the all-or-nothing import, confirmation by the other side
only, superseding, the invoice's commission from the confirmed net sales (its drill-down adds up
to the line), the typed figure only as a correction with its reason, and the desk cross-check."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.engagements.billing import services, statement_selectors, statement_services
from kefu.engagements.billing.models import SalesStatement, SalesStatementRow
from kefu.engagements.billing.tests.conftest import MARCH_CSV, at
from kefu.engagements.contracts.models import Contract
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db
APRIL = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def _import(tenants: Tenants, contract: Contract, *, org: str = "pa", role: str = "account_manager",
            content: bytes = MARCH_CSV, name: str = "march.csv") -> SalesStatement:  # fmt: skip
    with at(APRIL):
        preview = statement_services.statement_import(
            tenants.scope(org, role), contract_id=contract.pk, month="2026-03", filename=name, content=content
        )
    assert preview.statement is not None
    return preview.statement


def test_an_upload_stores_every_order_and_awaits_the_other_side(
    tenants: Tenants, commission: Contract
) -> None:
    statement = _import(tenants, commission)

    assert (statement.status, statement.side, statement.row_count) == ("pending", "provider", 3)
    assert (statement.paid, statement.refunded, statement.net) == (
        Decimal("3600.40"),
        Decimal("500.50"),
        Decimal("3099.90"),
    )
    rows = list(statement_selectors.statement_rows(statement))
    assert [(r.line, r.order_number, r.net, r.agent_name) for r in rows] == [
        (2, "M-1", Decimal("1000.00"), "小王"),
        (3, "M-2", Decimal("2000.00"), "小李"),
        (4, "M-3", Decimal("99.90"), ""),
    ]
    assert rows[0].ordered_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert {(r.provider_id, r.client_id) for r in rows} == {(tenants.pa.pk, tenants.ca1.pk)}
    assert (
        AuditEvent.objects.for_scope(tenants.scope("pa", "provider_admin"))
        .filter(action="engagements.sales_statement_import")
        .count()
        == 1
    )


def test_a_bad_row_stores_nothing_and_every_bad_row_is_reported(
    tenants: Tenants, commission: Contract
) -> None:
    bad = MARCH_CSV + b"M-1,2026-03-05 10:00,10,0\nM-9,2026-04-01 00:10,5,0\nM-10,2026-03-05,x,0\n"

    with at(APRIL), pytest.raises(statement_services.StatementInvalid) as caught:
        statement_services.statement_import(
            tenants.scope("pa", "provider_admin"),
            contract_id=commission.pk,
            month="2026-03",
            filename="march.csv",
            content=bad,
        )

    assert [(e["row"], e["field"]) for e in caught.value.details] == [
        (5, "order_number"),
        (6, "ordered_at"),
        (7, "paid"),
    ]
    assert caught.value.field == "rows.5.order_number"
    assert str(caught.value.message).startswith(statement_services.describe(caught.value.errors[0]))
    assert SalesStatement.all_tenants.count() == 0 and SalesStatementRow.all_tenants.count() == 0


def test_only_the_other_side_confirms_or_disputes(tenants: Tenants, commission: Contract) -> None:
    by_provider = _import(tenants, commission)
    with at(APRIL):
        with pytest.raises(PermissionDenied):
            statement_services.statement_confirm(
                tenants.scope("pa", "provider_admin"), statement_id=by_provider.pk
            )
        with pytest.raises(NotFound):  # another tenant's statement does not exist for them
            statement_services.statement_confirm(
                tenants.scope("pb", "provider_admin"), statement_id=by_provider.pk
            )
        with pytest.raises(PermissionDenied):  # an agent has no billing permission
            statement_services.statement_confirm(tenants.scope("pa", "agent"), statement_id=by_provider.pk)
        confirmed = statement_services.statement_confirm(
            tenants.scope("ca1", "client_admin"), statement_id=by_provider.pk
        )
        with pytest.raises(Conflict):
            statement_services.statement_dispute(
                tenants.scope("ca1", "client_admin"), statement_id=by_provider.pk, reason="late"
            )
    assert confirmed.status == "confirmed"

    by_client = _import(tenants, commission, org="ca1", role="client_manager")
    with at(APRIL):
        with pytest.raises(PermissionDenied):
            statement_services.statement_dispute(
                tenants.scope("ca1", "client_admin"), statement_id=by_client.pk, reason="x"
            )
        with pytest.raises(Invalid):
            statement_services.statement_dispute(
                tenants.scope("pa", "provider_admin"), statement_id=by_client.pk, reason=" "
            )
        disputed = statement_services.statement_dispute(
            tenants.scope("pa", "provider_admin"), statement_id=by_client.pk, reason="退款未扣除"
        )
    assert (disputed.status, disputed.dispute_reason, disputed.side) == ("disputed", "退款未扣除", "client")


def test_a_new_upload_supersedes_the_previous_one_which_is_kept(
    tenants: Tenants, commission: Contract
) -> None:
    first = _import(tenants, commission)
    with at(APRIL):
        statement_services.statement_confirm(tenants.scope("ca1", "client_admin"), statement_id=first.pk)
    second = _import(
        tenants, commission, org="ca1", role="client_admin", content=b"\n".join(MARCH_CSV.split(b"\n")[:3])
    )

    first.refresh_from_db()
    assert (first.status, first.superseded_by_id, first.row_count) == ("superseded", second.pk, 3)
    assert (second.status, second.row_count) == ("pending", 2)
    with at(APRIL), pytest.raises(Conflict):
        statement_services.statement_confirm(tenants.scope("ca1", "client_admin"), statement_id=first.pk)
    assert statement_selectors.confirmed_statements(commission, months=[first.month]) == {}


def test_only_a_signed_base_commission_contract_of_ones_own_has_statements(
    tenants: Tenants, commission: Contract, contract: Contract
) -> None:
    with at(APRIL):
        for scope, contract_id, month, error, field in (
            (tenants.scope("pa", "provider_admin"), contract.pk, "2026-03", Conflict, "contract_id"),
            (tenants.scope("pb", "provider_admin"), commission.pk, "2026-03", NotFound, "contract_id"),
            (tenants.scope("pa", "provider_admin"), commission.pk, "2026-02", Invalid, "month"),
            (tenants.scope("pa", "provider_admin"), commission.pk, "2026-05", Invalid, "month"),
            (tenants.scope("pa", "provider_admin"), commission.pk, "2026-3", Invalid, "month"),
        ):
            with pytest.raises(error) as caught:
                statement_services.statement_import(
                    scope, contract_id=contract_id, month=month, filename="m.csv", content=MARCH_CSV
                )
            assert caught.value.field == field


def test_the_invoice_bills_the_confirmed_net_sales_and_drills_down_to_the_orders(
    tenants: Tenants, commission: Contract
) -> None:
    admin = tenants.scope("pa", "provider_admin")
    statement = _import(tenants, commission)
    with at(APRIL):
        draft = services.invoice_create(admin, contract_id=commission.pk, period="2026-03", months=1)
        # pending is not confirmed: no commission line, the draft says which month lacks it
        assert [ln["code"] for ln in draft.lines] == ["base"]
        assert services.sales_missing(draft) == ["2026-03"]
        with pytest.raises(Conflict) as caught:
            services.invoice_issue(admin, invoice_id=draft.pk)
        assert "2026-03" in str(caught.value.message)

        statement_services.statement_confirm(tenants.scope("ca1", "client_admin"), statement_id=statement.pk)
        draft = services.invoice_recompute(admin, invoice_id=draft.pk)

    # base 8 seats × 1 month × 5000 = 40000; commission 3 % of 3099.90 = 92.997 → 93.00;
    # net 40093.00, VAT 6 % 2405.58, total 42498.58
    assert [
        (ln["code"], ln["quantity"], ln["unit_price"], ln["amount"], ln["month"]) for ln in draft.lines
    ] == [
        ("base", "8", "5000.00", "40000.00", None),
        ("commission", "3099.90", "0.03", "93.00", 0),
    ]
    assert (draft.net, draft.vat, draft.total) == (
        Decimal("40093.00"),
        Decimal("2405.58"),
        Decimal("42498.58"),
    )
    assert draft.usage["sales"] == [
        {"month": "2026-03", "statement_id": statement.pk, "orders": 3, "paid": "3600.40",
         "refunded": "500.50", "net": "3099.90"},
    ]  # fmt: skip
    from kefu.engagements.billing import presentation

    line = next(ln for ln in presentation.invoice_lines(draft) if ln["code"] == "commission")
    assert line["drill"] == f"/engagements/sales-statements/{statement.pk}/"
    rows = statement_selectors.statement_rows(statement)
    assert sum((r.net for r in rows), Decimal(0)) == Decimal(line["quantity"])


def test_a_typed_sales_figure_is_only_a_correction_with_its_reason(
    tenants: Tenants, commission: Contract
) -> None:
    admin = tenants.scope("pa", "provider_admin")
    with at(APRIL):
        draft = services.invoice_create(admin, contract_id=commission.pk, period="2026-03", months=1)
        with pytest.raises(Invalid) as caught:
            services.invoice_recompute(admin, invoice_id=draft.pk, sales_correction="1000")
        assert caught.value.field == "sales_correction_note"
        draft = services.invoice_recompute(
            admin, invoice_id=draft.pk, sales_correction="1000", sales_correction_note="店铺导出缺 3 月 31 日"
        )
        issued = services.invoice_issue(admin, invoice_id=draft.pk)  # the month is covered by the reason

    # 3 % of 1000 = 30.00, on its own line
    assert [(ln["code"], ln["quantity"], ln["amount"]) for ln in issued.lines] == [
        ("base", "8", "40000.00"),
        ("commission_correction", "1000.00", "30.00"),
    ]
    assert issued.status == "issued"


def test_the_cross_check_counts_chat_linked_orders_and_lists_the_missing(
    tenants: Tenants, commission: Contract
) -> None:
    agent = tenants.scope("pa", "supervisor")
    with at(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)):
        chat = desk_services.conversation_create(
            agent, channel="chat", client_id=tenants.ca1.pk, message="有货吗"
        )
        desk_services.conversation_link_order(agent, conversation_id=chat.pk, order_number="M-1")
        desk_services.conversation_link_order(
            agent, conversation_id=chat.pk, order_number="NOT-IN-EXPORT", order_value=Decimal("88")
        )
    with at(datetime(2026, 4, 1, 2, 0, tzinfo=UTC)):  # April: not the statement's month
        desk_services.conversation_link_order(agent, conversation_id=chat.pk, order_number="APRIL-1")
    statement = _import(tenants, commission)

    check = statement_selectors.statement_cross_check(statement)

    assert (check.rows, check.linked, check.linked_net) == (3, 1, Decimal("1000.00"))
    assert [(m.order_number, m.order_value, m.conversation_id) for m in check.missing] == [
        ("NOT-IN-EXPORT", "88", chat.pk)
    ]
