"""Reads of customers: masked for everyone (clear values only through the audited unmask service)."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk import masking
from kefu.desk.models import Customer
from kefu.desk.permissions import DeskPerm


@dataclass(frozen=True)
class CustomerView:
    """A customer as shown: contact data masked unless produced by the audited unmask."""

    id: int
    client_id: int | None
    name: str
    phone: str
    email: str
    address: str
    buyer_id: str
    order_refs: list[str]
    masked: bool


def customer_row(scope: Scope, *, customer_id: int, for_update: bool = False) -> Customer:
    """The stored row (encrypted fields decrypted): for services, never rendered as is."""
    scope.require(DeskPerm.VIEW_CUSTOMERS)
    return one_of(Customer.objects.for_scope(scope), pk=customer_id, for_update=for_update)


def customer_view(customer: Customer, *, masked: bool = True) -> CustomerView:
    def show(kind: masking.MaskKind, value: str) -> str:
        return masking.mask(kind, value) if masked else value

    return CustomerView(
        id=customer.pk,
        client_id=customer.client_id,
        name=show(masking.MaskKind.NAME, customer.name),
        phone=show(masking.MaskKind.PHONE, customer.phone),
        email=show(masking.MaskKind.EMAIL, customer.email),
        address=show(masking.MaskKind.ADDRESS, customer.address),
        buyer_id=customer.buyer_id,
        order_refs=list(customer.order_refs),
        masked=masked,
    )


def customer_get(scope: Scope, *, customer_id: int) -> CustomerView:
    """Masked for everyone: clear values only through `services.customer_unmask` (audited)."""
    return customer_view(customer_row(scope, customer_id=customer_id))
