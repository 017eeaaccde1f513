"""The scope decides which tenant rows an actor sees; the manager refuses to guess."""

from __future__ import annotations

import pytest

from kefu.core.errors import PermissionDenied, UnscopedQuery
from kefu.core.scope import OrgKind, Scope
from kefu.tenancy import services
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants


def _row(provider: int | None, client: int | None) -> AuditEvent:
    return AuditEvent.all_tenants.create(
        at="2026-01-01T00:00:00Z", action="t", provider_id=provider, client_id=client
    )


def test_unscoped_queries_raise(tenants: Tenants) -> None:
    _row(tenants.pa.pk, None)
    for attempt in (
        lambda: list(AuditEvent.objects.all()),
        lambda: AuditEvent.objects.filter(action="t").count(),
        lambda: AuditEvent.objects.get(action="t"),
        lambda: AuditEvent.objects.count(),
        lambda: list(AuditEvent.objects.order_by("at")),
        lambda: AuditEvent.objects.exists(),
        lambda: list(AuditEvent.objects.values("id")),
    ):
        with pytest.raises(UnscopedQuery):
            attempt()


def test_provider_sees_own_rows_and_its_clients_shared_rows(tenants: Tenants) -> None:
    own = _row(tenants.pa.pk, None)
    for_client = _row(tenants.pa.pk, tenants.ca1.pk)
    client_owned = _row(None, tenants.ca2.pk)
    other_provider = _row(tenants.pb.pk, None)
    other_client = _row(None, tenants.cb.pk)
    other_work = _row(tenants.pb.pk, tenants.cb.pk)
    nobody = _row(None, None)
    scope = tenants.scope("pa", "agent")

    seen = set(AuditEvent.objects.for_scope(scope).values_list("pk", flat=True))

    assert seen == {own.pk, for_client.pk, client_owned.pk}
    assert not seen & {other_provider.pk, other_client.pk, other_work.pk, nobody.pk}


def test_client_sees_own_rows_and_its_providers_work_only(tenants: Tenants) -> None:
    own = _row(None, tenants.ca1.pk)
    provider_work = _row(tenants.pa.pk, tenants.ca1.pk)
    provider_internal = _row(tenants.pa.pk, None)
    sibling_client = _row(tenants.pa.pk, tenants.ca2.pk)
    scope = tenants.scope("ca1", "client_viewer")

    seen = set(AuditEvent.objects.for_scope(scope).values_list("pk", flat=True))

    assert seen == {own.pk, provider_work.pk}
    assert provider_internal.pk not in seen and sibling_client.pk not in seen


def test_multi_vendor_client_sees_each_provider_but_providers_not_each_other(tenants: Tenants) -> None:
    from kefu.testing.factories import EngagementFactory

    EngagementFactory(provider=tenants.pb, client=tenants.ca1)
    by_pa = _row(tenants.pa.pk, tenants.ca1.pk)
    by_pb = _row(tenants.pb.pk, tenants.ca1.pk)

    client_view = set(
        AuditEvent.objects.for_scope(tenants.scope("ca1", "client_admin")).values_list("pk", flat=True)
    )
    pa_view = set(AuditEvent.objects.for_scope(tenants.scope("pa", "agent")).values_list("pk", flat=True))

    assert {by_pa.pk, by_pb.pk} <= client_view
    assert by_pa.pk in pa_view and by_pb.pk not in pa_view


def test_empty_scope_sees_nothing(tenants: Tenants) -> None:
    _row(tenants.pa.pk, None)
    empty = Scope(user_id=None, organization_id=None, organization_kind=OrgKind.PROVIDER, role="agent")
    assert AuditEvent.objects.for_scope(empty).count() == 0


def test_ended_engagement_hides_the_client(tenants: Tenants) -> None:
    from kefu.tenancy.models import Engagement

    Engagement.objects.filter(provider=tenants.pa, client=tenants.ca2).update(status=Engagement.Status.ENDED)
    scope = tenants.scope("pa", "agent")
    assert scope.client_ids == frozenset({tenants.ca1.pk})


def test_require_raises_for_missing_permission(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    with pytest.raises(PermissionDenied):
        services.membership_create(agent, username="x", role="agent")


def test_roles_get_permissions_from_app_grants(tenants: Tenants) -> None:
    assert tenants.scope("pa", "provider_admin").has("tenancy.manage_members")
    assert not tenants.scope("pa", "agent").has("tenancy.manage_members")
    assert tenants.scope("ca1", "client_manager").has("tenancy.view_access_log")


def test_platform_admin_sees_every_tenant(tenants: Tenants) -> None:
    from kefu.testing.factories import MembershipFactory, OrganizationFactory

    platform = OrganizationFactory(kind=OrgKind.PLATFORM, slug="platform")
    admin = MembershipFactory(organization=platform, role="platform_admin").user
    rows = {_row(tenants.pa.pk, None).pk, _row(None, tenants.cb.pk).pk, _row(None, None).pk}
    from kefu.tenancy import selectors

    scope = selectors.scope_for_user(admin)

    assert scope is not None and scope.all_tenants
    assert set(AuditEvent.objects.for_scope(scope).values_list("pk", flat=True)) >= rows


def test_sees_is_tenant_q_for_one_row(tenants: Tenants) -> None:
    """`Scope.sees` (rows already in memory, e.g. locked by the ingest path) must be `tenant_q`."""
    organizations = [tenants.pa.pk, tenants.pb.pk, tenants.ca1.pk, tenants.ca2.pk, tenants.cb.pk, None]
    rows = [_row(provider, client) for provider in organizations for client in organizations]
    scopes = [tenants.scope(org, role) for org, role in tenants.people]
    scopes += [
        Scope.platform(user_id=None, organization_id=None, permissions=frozenset()),
        Scope(user_id=None, organization_id=None, organization_kind=OrgKind.PROVIDER, role="agent"),
    ]
    for scope in scopes:
        by_query = set(AuditEvent.objects.for_scope(scope).filter(action="t").values_list("pk", flat=True))
        by_rule = {row.pk for row in rows if scope.sees(row.provider_id, row.client_id)}
        assert by_rule == by_query, scope


def test_scopes_of_one_sight_see_the_same_rows() -> None:
    """`Scope.sight` is all `sees` reads: the workspace sockets of a process judge a hint once
    per sight, so two scopes of one sight must never disagree, and scopes that may disagree
    must have different sights."""
    base = dict(organization_id=1, organization_kind=OrgKind.PROVIDER, partner_ids=frozenset({10, 11}))
    agent = Scope(user_id=7, role="agent", permissions=frozenset({"desk.view"}), **base)
    lead = Scope(user_id=8, role="supervisor", permissions=frozenset({"desk.view", "desk.assign"}), **base)
    assert agent.sight == lead.sight
    others = [
        Scope(user_id=7, role="agent", **{**base, "partner_ids": frozenset({10})}),
        Scope(user_id=7, role="agent", **{**base, "organization_id": 2}),
        Scope(user_id=7, role="agent", **{**base, "organization_kind": OrgKind.CLIENT}),
        Scope.platform(user_id=7, organization_id=1, permissions=frozenset()),
    ]
    keys = [(p, c) for p in (None, 1, 2, 3) for c in (None, 1, 2, 10, 11, 12)]
    assert all(agent.sees(p, c) == lead.sees(p, c) for p, c in keys)
    for other in others:
        assert other.sight != agent.sight
        assert any(other.sees(p, c) != agent.sees(p, c) for p, c in keys)
