"""The isolation matrix's database picture sees every kind of change it must see, and no other."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kefu.tenancy import services as tenancy_services
from kefu.tenancy.models import Membership
from kefu.testing.plugin import Tenants
from kefu.testing.snapshot import Picture, database_snapshot

pytestmark = pytest.mark.django_db


def test_a_change_shows_in_the_picture_of_its_table_only(tenants: Tenants) -> None:
    before = database_snapshot()

    Membership.objects.filter(user=tenants.user("pb", "agent")).update(role="supervisor")

    after = database_snapshot()
    assert [table for table in before if before[table] != after[table]] == [Membership._meta.db_table]


def test_an_inserted_row_changes_the_picture(tenants: Tenants) -> None:
    before = database_snapshot()

    token, _raw = tenancy_services.api_token_create(user=tenants.user("pb", "agent"), name="new")

    assert database_snapshot()[token._meta.db_table] != before[token._meta.db_table]


def test_an_updated_or_deleted_row_changes_the_picture(tenants: Tenants) -> None:
    membership = Membership.objects.get(user=tenants.user("pb", "agent"))
    before = database_snapshot()

    Membership.objects.filter(pk=membership.pk).update(role="supervisor")
    updated = database_snapshot()
    Membership.objects.filter(pk=membership.pk).delete()

    assert updated != before
    assert database_snapshot() not in (before, updated)


def test_a_null_and_an_empty_text_read_differently(tenants: Tenants) -> None:
    token, _raw = tenancy_services.api_token_create(user=tenants.user("pb", "agent"), name="")
    before = database_snapshot()

    type(token).objects.filter(pk=token.pk).update(name="''")

    assert database_snapshot() != before


def test_the_bearer_tokens_last_use_stamp_is_not_a_change(tenants: Tenants) -> None:
    token, _raw = tenancy_services.api_token_create(user=tenants.user("pb", "agent"), name="b")
    before = database_snapshot()

    type(token).objects.filter(pk=token.pk).update(last_used_at=timezone.now())

    assert database_snapshot() == before


def test_a_picture_after_a_write_reads_the_written_table_again(tenants: Tenants) -> None:
    picture = Picture()
    assert picture.after() == picture.before  # nothing written yet

    Membership.objects.filter(user=tenants.user("pb", "agent")).update(role="supervisor")

    after = picture.after()
    assert after == database_snapshot()
    assert [table for table in after if after[table] != picture.before[table]] == [Membership._meta.db_table]


def test_a_picture_compares_rows_not_writes(tenants: Tenants) -> None:
    """A stamp of last use, or a row written back as it was, is a write but not a change."""
    token, _raw = tenancy_services.api_token_create(user=tenants.user("pb", "agent"), name="b")
    membership = Membership.objects.get(user=tenants.user("pb", "agent"))
    picture = Picture()

    type(token).objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    Membership.objects.filter(pk=membership.pk).update(role="supervisor")
    Membership.objects.filter(pk=membership.pk).update(role=membership.role)

    assert picture.after() == picture.before
