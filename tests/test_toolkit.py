"""The helpers every app shares instead of its own copy: tenant keys of a new row, a channel's
scope, the scope of a browser session, a service error on a form, the client choices."""

from __future__ import annotations

import pytest
from django import forms

from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.scope import OrgKind, Scope, TenantKeys, new_row_keys
from kefu.tenancy import selectors as tenancy_selectors
from kefu.testing.plugin import Tenants

PROVIDER = Scope(user_id=1, organization_id=10, organization_kind=OrgKind.PROVIDER, role="agent",
                 partner_ids=frozenset({20, 21}))  # fmt: skip
SOLE_CLIENT_PROVIDER = Scope(user_id=1, organization_id=11, organization_kind=OrgKind.PROVIDER,
                             role="agent", partner_ids=frozenset({20}))  # fmt: skip
CLIENT = Scope(user_id=2, organization_id=20, organization_kind=OrgKind.CLIENT, role="client_admin",
               partner_ids=frozenset({10, 11}))  # fmt: skip
PLATFORM = Scope.platform(user_id=3, organization_id=1, permissions=frozenset())


def test_a_provider_writes_as_itself_for_a_client_it_serves() -> None:
    assert new_row_keys(PROVIDER, client_id=21) == TenantKeys(provider_id=10, client_id=21)
    assert new_row_keys(PROVIDER, client_id=21, provider_id=10) == (10, 21)


def test_a_client_the_scope_does_not_see_is_not_found() -> None:
    for scope, client_id in ((PROVIDER, 99), (CLIENT, 21), (SOLE_CLIENT_PROVIDER, 21)):
        with pytest.raises(NotFound) as caught:
            new_row_keys(scope, client_id=client_id)
        assert caught.value.field == "client_id"
    with pytest.raises(NotFound):
        new_row_keys(PROVIDER, client_id=20, provider_id=11)  # another provider
    with pytest.raises(NotFound):
        new_row_keys(CLIENT, client_id=None, provider_id=12)  # not one of its providers


def test_a_missing_client_is_invalid_only_when_there_is_a_choice_to_make() -> None:
    with pytest.raises(Invalid) as caught:
        new_row_keys(PROVIDER, client_id=None)
    assert caught.value.field == "client_id"
    assert new_row_keys(SOLE_CLIENT_PROVIDER, client_id=None) == (11, 20)


def test_a_client_writes_as_itself_shared_with_its_providers_unless_it_names_one() -> None:
    assert new_row_keys(CLIENT, client_id=None) == (None, 20)
    assert new_row_keys(CLIENT, client_id=20) == (None, 20)
    assert new_row_keys(CLIENT, client_id=20, provider_id=11) == (11, 20)


def test_the_platform_creates_no_tenant_rows_here() -> None:
    with pytest.raises(PermissionDenied):
        new_row_keys(PLATFORM, client_id=20)


def test_a_channel_acts_for_its_provider_limited_to_its_client() -> None:
    perms = frozenset({"desk.view_conversations"})
    channel = Scope.of_tenant(provider_id=10, client_id=20, permissions=perms, user_id=5)
    assert (channel.organization_id, channel.client_ids, channel.user_id, channel.role) == (
        10, frozenset({20}), 5, "channel",
    )  # fmt: skip
    assert channel.sees(10, 20) and not channel.sees(10, 21)
    own = Scope.of_tenant(provider_id=None, client_id=20, permissions=perms, role="system")
    assert (own.is_client, own.organization_id, own.role) == (True, 20, "system")
    job = Scope.of_tenant(provider_id=10, client_id=None, permissions=perms, role="system")
    assert job == Scope.system(provider_id=10, client_ids=frozenset(), permissions=perms)


def test_the_session_chooses_the_organisation_and_falls_back_to_the_first(tenants: Tenants) -> None:
    from kefu.testing.factories import MembershipFactory

    user = tenants.user("pa", "agent")
    MembershipFactory(organization=tenants.pb, role="agent", user=user)
    first = tenancy_selectors.membership_list_for_user(user).first()
    for session, expected in (
        (None, first.organization_id),
        ({}, first.organization_id),
        ({tenancy_selectors.SESSION_ORG_KEY: tenants.pb.pk}, tenants.pb.pk),
        ({tenancy_selectors.SESSION_ORG_KEY: tenants.cb.pk}, first.organization_id),  # not a member
    ):
        found = tenancy_selectors.session_access(user, session, mfa_verified=True)
        assert found is not None
        membership, scope = found
        assert membership.organization_id == scope.organization_id == expected
    user.memberships.update(is_active=False)
    assert tenancy_selectors.session_access(user, {}, mfa_verified=True) is None


class _Form(forms.Form):
    name = forms.CharField()


def test_a_service_error_shows_under_its_field_or_above_the_form() -> None:
    form = _Form({"name": "x"})
    assert form.is_valid()
    form_error(form, Invalid("Taken.", field="name"))
    form_error(form, Invalid("Closed.", field="not_on_this_form"))
    form_error(form, NotFound("Gone."))
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Closed.", "Gone."]


def test_client_choices_are_the_clients_the_actor_acts_for(tenants: Tenants) -> None:
    provider = tenancy_selectors.client_choices(tenants.scope("pa", "provider_admin"))
    assert sorted(provider) == sorted([(tenants.ca1.pk, "家居店"), (tenants.ca2.pk, "美妆店")])
    assert tenancy_selectors.client_choices(tenants.scope("ca1", "client_admin")) == [
        (tenants.ca1.pk, "家居店")
    ]
