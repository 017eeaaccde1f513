"""Members, security settings, tokens and the audit trail."""

from __future__ import annotations

import pytest
from django.core import mail

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.tenancy import selectors, services
from kefu.tenancy.models import AuditEvent, Membership, Organization
from kefu.testing.plugin import Tenants


def test_admin_adds_a_new_person_who_gets_a_password_link(
    tenants: Tenants, django_capture_on_commit_callbacks
) -> None:
    scope = tenants.scope("pa", "provider_admin")
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_create(
            scope, username="newagent", role="agent", email="new@example.cn"
        )

    assert membership.organization_id == tenants.pa.pk
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1 and "new@example.cn" in mail.outbox[0].to
    event = AuditEvent.objects.for_scope(scope).get(action="membership.created")
    assert event.target_id == str(membership.pk) and event.provider_id == tenants.pa.pk


def test_role_must_fit_the_kind_of_organisation(tenants: Tenants) -> None:
    with pytest.raises(Invalid):
        services.membership_create(tenants.scope("pa", "provider_admin"), username="x", role="client_l2")
    with pytest.raises(Invalid):
        services.membership_create(tenants.scope("ca1", "client_admin"), username="x", role="agent")
    with pytest.raises(Invalid):
        services.membership_create(tenants.scope("ca1", "client_admin"), username="x", role="wizard")


def test_weak_password_is_refused_and_nothing_is_created(tenants: Tenants) -> None:
    with pytest.raises(Invalid) as info:
        services.membership_create(
            tenants.scope("pa", "provider_admin"), username="weak", role="agent", password="123"
        )
    assert info.value.field == "password"
    assert selectors.user_get_by_username("weak") is None


def test_duplicate_membership_conflicts(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "provider_admin")
    with pytest.raises(Conflict):
        services.membership_create(scope, username="pa_agent", role="agent")


def test_existing_user_can_join_a_second_organisation(tenants: Tenants) -> None:
    user = tenants.user("pa", "agent")
    services.membership_create(
        tenants.scope("ca1", "client_admin"), username=user.username, role="client_viewer"
    )
    assert set(selectors.membership_list_for_user(user).values_list("organization__slug", flat=True)) == {
        "pa",
        "ca1",
    }


def test_role_change_is_audited_with_before_and_after(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "provider_admin")
    membership = Membership.objects.get(user=tenants.user("pa", "agent"))

    services.membership_update(scope, membership_id=membership.pk, role="supervisor")

    event = AuditEvent.objects.for_scope(scope).get(action="membership.changed")
    assert event.data == {"role": ["agent", "supervisor"]}


def test_last_admin_cannot_be_demoted_deactivated_or_removed(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "provider_admin")
    admin = Membership.objects.get(user=tenants.user("pa", "provider_admin"))
    with pytest.raises(Conflict):
        services.membership_update(scope, membership_id=admin.pk, role="agent")
    with pytest.raises(Conflict):
        services.membership_update(scope, membership_id=admin.pk, is_active=False)
    other_admin = services.membership_create(
        scope, username="admin2", role="provider_admin", password="Long-enough-9"
    )

    services.membership_update(scope, membership_id=admin.pk, role="agent")  # a second admin exists now

    with pytest.raises(Conflict):
        services.membership_update(scope, membership_id=other_admin.pk, role="agent")
    assert Membership.objects.get(pk=other_admin.pk).role == "provider_admin"


def test_members_of_other_organisations_are_not_found(tenants: Tenants) -> None:
    foreign = Membership.objects.get(user=tenants.user("pb", "agent"))
    client_member = Membership.objects.get(user=tenants.user("ca1", "client_l2"))
    scope = tenants.scope("pa", "provider_admin")
    for membership in (foreign, client_member):
        with pytest.raises(NotFound):
            services.membership_update(scope, membership_id=membership.pk, role="agent")
        with pytest.raises(NotFound):
            services.membership_delete(scope, membership_id=membership.pk)
    assert Membership.objects.get(pk=foreign.pk).role == "agent"


def test_nobody_removes_themselves(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "provider_admin")
    own = Membership.objects.get(user=tenants.user("pa", "provider_admin"))
    with pytest.raises(Conflict):
        services.membership_delete(scope, membership_id=own.pk)


def test_client_can_require_mfa_of_providers_and_unverified_provider_staff_lose_its_data(
    tenants: Tenants,
) -> None:
    services.organization_update_security(tenants.scope("ca1", "client_admin"), require_provider_mfa=True)
    agent = tenants.user("pa", "agent")

    unverified = selectors.scope_for_user(agent, mfa_verified=False)
    verified = selectors.scope_for_user(agent, mfa_verified=True)

    assert unverified is not None and verified is not None
    assert unverified.client_ids == frozenset({tenants.ca2.pk})
    assert verified.client_ids == frozenset({tenants.ca1.pk, tenants.ca2.pk})
    assert Organization.objects.get(pk=tenants.ca1.pk).require_provider_mfa


def test_only_clients_require_provider_mfa(tenants: Tenants) -> None:
    with pytest.raises(Invalid):
        services.organization_update_security(
            tenants.scope("pa", "provider_admin"), require_provider_mfa=True
        )
    with pytest.raises(PermissionDenied):
        services.organization_update_security(tenants.scope("pa", "agent"), require_mfa=True)


def test_access_log_is_visible_to_the_client_whose_customer_was_read(tenants: Tenants) -> None:
    agent = tenants.scope("pa", "agent")
    entry = services.access_record(
        agent,
        resource_type="customer",
        resource_id=42,
        client_id=tenants.ca1.pk,
        fields="phone",
        reason="回访",
    )

    client_view = selectors.access_log_list(tenants.scope("ca1", "client_admin"))
    other_client_view = selectors.access_log_list(tenants.scope("ca2", "client_admin"))
    provider_view = selectors.access_log_list(tenants.scope("pa", "provider_admin"))
    other_provider_view = selectors.access_log_list(tenants.scope("pb", "provider_admin"))

    assert list(client_view) == [entry] and list(provider_view) == [entry]
    assert not other_client_view.exists() and not other_provider_view.exists()


def test_audit_log_rows_cannot_be_changed_or_deleted(tenants: Tenants) -> None:
    event = services.audit_record(tenants.scope("pa", "provider_admin"), action="export")
    event.action = "nothing"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_api_token_round_trip_and_revocation(tenants: Tenants) -> None:
    user = tenants.user("pa", "supervisor")
    token, raw = services.api_token_create(user=user, name="ci")
    assert raw.startswith("kefu_") and token.key_hash != raw
    assert services.api_token_authenticate(raw).pk == token.pk
    services.api_token_revoke(tenants.scope("pa", "supervisor"), token_id=token.pk)
    assert services.api_token_authenticate(raw) is None
    with pytest.raises(NotFound):
        services.api_token_revoke(tenants.scope("pa", "agent"), token_id=token.pk)
