"""The default manager of a tenant-owned model has one way in, `.for_scope(scope)`.

One test per way around it that Django offers (sync, async, raw SQL, subqueries), and the
Django entry points that pick the default manager by themselves (`get_object_or_404`,
ModelForm choice fields): each must fail closed, while related managers, forward foreign
keys and deletion, which are limited by an already scoped row, keep working.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django import forms
from django.db.models import Count, Exists, Subquery
from django.shortcuts import get_object_or_404

from kefu.core.errors import UnscopedQuery
from kefu.desk import services as desk_services
from kefu.desk.models import Case, Conversation, Message
from kefu.testing.plugin import Tenants

M = Conversation.objects


def _awaited(name: str, *args: Any, **kwargs: Any) -> Any:
    """Await one async method of the manager, as an async view would."""

    async def call() -> Any:
        return await getattr(M, name)(*args, **kwargs)

    return async_to_sync(call)()


async def _first_of_aiterator() -> Any:
    async for row in M.aiterator():
        return row
    return None


async def _async_for() -> list[Any]:
    return [row async for row in M.all()]


HOLES: dict[str, Callable[[], Any]] = {
    "raw": lambda: list(M.raw("SELECT * FROM desk_conversation")),
    "aiterator": lambda: async_to_sync(_first_of_aiterator)(),
    "async for": lambda: async_to_sync(_async_for)(),
    "iterator": lambda: list(M.iterator()),
    "all": lambda: list(M.all()),
    "all()[0]": lambda: M.all()[0],
    "all()[:5]": lambda: list(M.all()[:5]),
    "len(all)": lambda: len(M.all()),
    "bool(all)": lambda: bool(M.all()),
    "using": lambda: list(M.using("default")),
    "db_manager": lambda: list(M.db_manager("default").all()),
    "none": lambda: list(M.none()),
    "aggregate": lambda: M.aggregate(n=Count("pk")),
    "aaggregate": lambda: _awaited("aaggregate", n=Count("pk")),
    "count": lambda: M.count(),
    "acount": lambda: _awaited(
        "acount",
    ),
    "get": lambda: M.get(pk=1),
    "aget": lambda: _awaited("aget", pk=1),
    "first": lambda: M.first(),
    "afirst": lambda: _awaited(
        "afirst",
    ),
    "alast": lambda: _awaited(
        "alast",
    ),
    "aearliest": lambda: _awaited("aearliest", "created_at"),
    "alatest": lambda: _awaited("alatest", "created_at"),
    "aexists": lambda: _awaited(
        "aexists",
    ),
    "acontains": lambda: _awaited("acontains", Conversation(pk=1)),
    "contains": lambda: M.contains(Conversation(pk=1)),
    "in_bulk": lambda: M.in_bulk([1]),
    "ain_bulk": lambda: _awaited("ain_bulk", [1]),
    "values": lambda: list(M.values("pk")),
    "values_list": lambda: list(M.values_list("pk", flat=True)),
    "dates": lambda: list(M.dates("created_at", "day")),
    "datetimes": lambda: list(M.datetimes("created_at", "day")),
    "select_for_update": lambda: list(M.select_for_update()),
    "reverse": lambda: list(M.reverse()),
    "alias": lambda: list(M.alias(n=Count("pk"))),
    "extra": lambda: list(M.extra(where=["1=1"])),
    "complex_filter": lambda: list(M.complex_filter({"pk__gt": 0})),
    "union": lambda: list(M.union(M.all())),
    "explain": lambda: M.explain(),
    "update": lambda: M.update(subject="x"),
    "aupdate": lambda: _awaited("aupdate", subject="x"),
    "bulk_update": lambda: M.bulk_update([Conversation(pk=1, subject="x")], ["subject"]),
    "abulk_update": lambda: _awaited("abulk_update", [Conversation(pk=1, subject="x")], ["subject"]),
    "update_or_create": lambda: M.update_or_create(pk=1, defaults={"subject": "x"}),
    "aupdate_or_create": lambda: _awaited("aupdate_or_create", pk=1, defaults={"subject": "x"}),
    "get_or_create": lambda: M.get_or_create(pk=1),
    "aget_or_create": lambda: _awaited("aget_or_create", pk=1),
    "delete via all": lambda: M.all().delete(),
    "subquery __in": lambda: Message.all_tenants.filter(conversation__in=M.all()).count(),
    "Subquery": lambda: list(Message.all_tenants.annotate(s=Subquery(M.all()[:1]))),
    "Exists": lambda: list(Message.all_tenants.filter(Exists(M.all()[:1]))),
}


def _or_unscoped(tenants: Tenants) -> Any:
    return list(M.for_scope(tenants.scope("pa", "agent")) | M.all())


@pytest.fixture
def b_conversation(tenants: Tenants) -> Conversation:
    return desk_services.conversation_create(
        tenants.scope("pb", "supervisor"), channel="chat", client_id=tenants.cb.pk, message="乙的客户"
    )


@pytest.mark.parametrize("name", list(HOLES))
def test_every_unscoped_entry_of_the_default_manager_raises(b_conversation: Conversation, name: str) -> None:
    with pytest.raises(UnscopedQuery):
        HOLES[name]()

    assert Conversation.all_tenants.get(pk=b_conversation.pk).subject == b_conversation.subject


def test_a_scoped_queryset_cannot_be_widened_by_or_with_an_unscoped_one(
    tenants: Tenants, b_conversation: Conversation
) -> None:
    with pytest.raises(UnscopedQuery):
        _or_unscoped(tenants)


def test_for_scope_creates_and_related_managers_still_work(
    tenants: Tenants, b_conversation: Conversation
) -> None:
    scope = tenants.scope("pb", "supervisor")
    conversation = M.for_scope(scope).get(pk=b_conversation.pk)

    assert async_to_sync(M.for_scope(scope).acount)() == 1
    assert [m.body for m in conversation.messages.order_by("seq")] == ["乙的客户"]
    assert conversation.messages.filter(seq=1).count() == 1
    assert list(Message.all_tenants.filter(conversation=conversation).values_list("seq", flat=True)) == [1]
    message = Message.all_tenants.get(conversation=conversation)
    assert message.conversation.pk == conversation.pk  # forward FK: the base manager
    case = desk_services.case_create(scope, conversation_id=conversation.pk, type="refund")
    assert list(case.conversations.all()) == [conversation]  # many-to-many, both ways
    assert list(conversation.cases.all()) == [case]
    assert Conversation.objects.for_scope(tenants.scope("pa", "supervisor")).count() == 0


def test_deleting_a_scoped_row_collects_its_children(tenants: Tenants, b_conversation: Conversation) -> None:
    Conversation.objects.for_scope(tenants.scope("pb", "supervisor")).get(pk=b_conversation.pk).delete()

    assert not Message.all_tenants.filter(conversation_id=b_conversation.pk).exists()


def test_get_object_or_404_refuses_instead_of_returning_another_tenants_row(
    b_conversation: Conversation,
) -> None:
    with pytest.raises(UnscopedQuery):
        get_object_or_404(Conversation, pk=b_conversation.pk)
    with pytest.raises(UnscopedQuery):
        get_object_or_404(Case, pk=1)


def test_the_default_manager_is_the_scoped_one_and_the_base_manager_the_plain_one() -> None:
    from django.apps import apps

    from kefu.core.tenancy import ScopedManager, TenantModel

    tenant_models = [m for m in apps.get_models() if issubclass(m, TenantModel)]
    assert tenant_models
    for model in tenant_models:
        assert isinstance(model._default_manager, ScopedManager), model
        assert not isinstance(model._base_manager, ScopedManager), model


class _CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["customer", "conversations"]


def test_a_model_form_without_a_scoped_queryset_cannot_list_other_tenants_rows(
    tenants: Tenants, b_conversation: Conversation
) -> None:
    form = _CaseForm()

    with pytest.raises(UnscopedQuery):
        str(form["conversations"])
    with pytest.raises(UnscopedQuery):
        _CaseForm(data={"conversations": [b_conversation.pk]}).is_valid()

    scoped = _CaseForm()
    scoped.fields["conversations"].queryset = Conversation.objects.for_scope(tenants.scope("pa", "agent"))
    assert f'value="{b_conversation.pk}"' not in str(scoped["conversations"])


def test_an_admin_for_a_tenant_model_reads_through_all_tenants() -> None:
    """The admin's default `get_queryset` reads the default manager, which now refuses; an
    admin class for a tenant-owned model must say `all_tenants` itself."""
    from django.contrib import admin

    from kefu.core.tenancy import TenantModel

    for model, model_admin in admin.site._registry.items():
        if issubclass(model, TenantModel):
            assert type(model_admin).get_queryset is not admin.ModelAdmin.get_queryset, model
