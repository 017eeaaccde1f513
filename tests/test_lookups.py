"""`field__any=ids` means what `field__in=ids` means, on every database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.core.lookups import pg_bigint_array
from kefu.routing.models import AgentPresence
from kefu.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def test_any_selects_the_same_rows_as_in(tenants: Any) -> None:
    members = list(Membership.objects.order_by("pk").values_list("pk", "user_id"))
    users = [user for _, user in members[::3]] + [10**9]  # one id that matches nothing
    by_in = set(Membership.objects.filter(user_id__in=users).values_list("pk", flat=True))
    by_any = set(Membership.objects.filter(user_id__any=users).values_list("pk", flat=True))
    assert by_any == by_in and by_in
    assert set(
        Membership.objects.filter(pk__any=[pk for pk, _ in members[:2]]).values_list("pk", flat=True)
    ) == {pk for pk, _ in members[:2]}
    assert set(Membership.objects.filter(user__any=users[:1]).values_list("user_id", flat=True)) == {users[0]}


def test_an_empty_list_or_only_none_matches_nothing_without_asking(tenants: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert list(AgentPresence.all_tenants.filter(user_id__any=[])) == []
        assert list(AgentPresence.all_tenants.filter(user_id__any=[None])) == []
    assert len(queries) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_on_postgresql_the_list_is_one_parameter(tenants: Any) -> None:
    users = list(Membership.objects.values_list("user_id", flat=True))
    sql, params = Membership.objects.filter(user_id__any=users).query.sql_with_params()
    assert "= ANY(%s::bigint[])" in sql and params == (pg_bigint_array(sorted(set(users))),)
    assert pg_bigint_array([3, 1, 20]) == "{3,1,20}"  # the array's text: no element is quoted
