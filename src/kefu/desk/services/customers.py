"""Writes of customers: creating one, and the audited unmask of its contact data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid
from kefu.core.scope import Scope
from kefu.desk import fields, selectors
from kefu.desk.models import Customer
from kefu.desk.permissions import DeskPerm
from kefu.desk.selectors import CustomerView
from kefu.desk.services._common import _client_for, _strings, _text
from kefu.tenancy import services as tenancy_services


@transaction.atomic
def customer_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    buyer_id: str = "",
    order_refs: list[str] | None = None,
) -> Customer:
    """A customer of one client; owned by the client so every provider serving it shares it."""
    scope.require(DeskPerm.MANAGE_CUSTOMERS)
    client = _client_for(scope, client_id)
    phone = _text(phone, "phone", 40)
    if phone and len(fields.normalize_phone(phone)) < 5:
        raise Invalid(_("Enter a valid phone number."), field="phone")
    email = _text(email, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Invalid(_("Enter a valid email address."), field="email") from None
    return Customer.objects.create(
        provider_id=None,
        client_id=client,
        name=_text(name, "name", 200),
        phone=phone,
        email=email,
        address=_text(address, "address", 500),
        phone_hash=fields.phone_hash(phone),
        email_hash=fields.email_hash(email),
        buyer_id=_text(buyer_id, "buyer_id", 120),
        order_refs=_strings(order_refs, "order_refs"),
    )


@transaction.atomic
def customer_unmask(
    scope: Scope, *, customer_id: int, reason: str = "", ip_address: str | None = None
) -> CustomerView:
    """The clear contact data, for those allowed; the read lands in the client's access log."""
    scope.require(DeskPerm.UNMASK)
    customer = selectors.customer_row(scope, customer_id=customer_id)
    tenancy_services.access_record(
        scope,
        resource_type="customer",
        resource_id=customer.pk,
        client_id=customer.client_id,
        fields="name,phone,email,address",
        reason=_text(reason, "reason", 200),
        ip_address=ip_address,
    )
    return selectors.customer_view(customer, masked=False)
