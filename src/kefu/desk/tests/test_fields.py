"""Customer contact data is encrypted at rest and found again through keyed hashes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from kefu.desk import fields, services
from kefu.desk.models import Customer
from kefu.testing.plugin import Tenants


def _raw(customer_id: int) -> tuple[str, str, str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, email, address, phone_hash FROM desk_customer WHERE id = %s", [customer_id]
        )
        return cursor.fetchone()


def test_contact_data_is_not_stored_in_clear(tenants: Tenants) -> None:
    customer = services.customer_create(
        tenants.scope("pa", "agent"),
        client_id=tenants.ca1.pk,
        name="张三",
        phone="13800138000",
        email="zhang@example.cn",
        address="浙江省杭州市西湖区文三路100号",
    )
    raw = _raw(customer.pk)
    for clear, stored in zip(["张三", "13800138000", "zhang@example.cn", "文三路"], raw[:4], strict=True):
        assert clear not in stored and stored.startswith(fields.PREFIX)
    assert "13800138000" not in raw[4] and len(raw[4]) == 64

    again = Customer.objects.for_scope(tenants.scope("pa", "agent")).get(pk=customer.pk)
    assert (again.name, again.phone, again.email) == ("张三", "13800138000", "zhang@example.cn")


def test_hashes_match_normalised_values() -> None:
    assert fields.phone_hash("+86 138-0013-8000") == fields.phone_hash("13800138000")
    assert fields.email_hash(" Zhang@Example.CN ") == fields.email_hash("zhang@example.cn")
    assert fields.phone_hash("13800138000") != fields.phone_hash("13800138001")
    assert fields.lookup_hash("") == ""


def test_encryption_is_randomised_and_round_trips() -> None:
    assert fields.encrypt("13800138000") != fields.encrypt("13800138000")
    assert fields.decrypt(fields.encrypt("欧阳娜娜")) == "欧阳娜娜"


def test_field_key_override_and_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_FIELD_KEY", "old-key")
    token = fields.encrypt("13800138000")
    monkeypatch.setenv("KEFU_FIELD_KEY", "new-key,old-key")  # new one first: encrypts; old still decrypts
    assert fields.decrypt(token) == "13800138000"
    monkeypatch.setenv("KEFU_FIELD_KEY", "another-key")
    with pytest.raises(ImproperlyConfigured):
        fields.decrypt(token)
