"""Writes of the tenancy app: members, security settings, tokens, and the audit trail."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.roles import ADMIN_ROLES, ROLES_BY_KIND, Role
from kefu.core.scope import OrgKind, Scope
from kefu.tenancy import selectors
from kefu.tenancy.models import (
    AccessLogEntry,
    ApiToken,
    AuditEvent,
    Engagement,
    Membership,
    Organization,
    User,
)
from kefu.tenancy.permissions import TenancyPerm

TOKEN_PREFIX = "kefu_"


# --- audit trail -----------------------------------------------------------------------------
def _tenant_keys(scope: Scope | None, client_id: int | None = None) -> dict[str, int | None]:
    if scope is None or scope.all_tenants:
        return {"provider_id": None, "client_id": client_id}
    if scope.is_provider:
        return {"provider_id": scope.organization_id, "client_id": client_id}
    return {"provider_id": None, "client_id": scope.organization_id}


def audit_record(
    scope: Scope | None,
    *,
    action: str,
    target: Any = None,
    client_id: int | None = None,
    ip_address: str | None = None,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
    organization: Organization | None = None,
) -> AuditEvent:
    """Append who did what to which object; tenant keys follow the actor's organisation.

    `organization` stands in for the scope when there is none yet (a failed login).
    """
    keys = _tenant_keys(scope, client_id)
    if scope is None and organization is not None:
        keys = (
            {"provider_id": organization.pk, "client_id": None}
            if organization.kind == OrgKind.PROVIDER
            else {"provider_id": None, "client_id": organization.pk}
        )
    actor_id = actor.pk if actor is not None else (scope.user_id if scope else None)
    actor_name = actor.username if actor is not None else (scope.username if scope else "")
    return AuditEvent.all_tenants.create(
        at=clock.now(),
        actor_id=actor_id,
        actor_name=actor_name,
        actor_organization_id=(
            scope.organization_id if scope else (organization.pk if organization else None)
        ),
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "pk", "") or ""),
        target_repr=str(target)[:200] if target is not None else "",
        ip_address=ip_address,
        data=data or {},
        **keys,
    )


def access_record(
    scope: Scope,
    *,
    resource_type: str,
    resource_id: str | int,
    client_id: int | None,
    fields: str = "",
    reason: str = "",
    ip_address: str | None = None,
) -> AccessLogEntry:
    """Record a sensitive read; keyed to the data's client so that client's admins see it."""
    return AccessLogEntry.all_tenants.create(
        at=clock.now(),
        actor_id=scope.user_id,
        actor_name=scope.username,
        actor_organization_id=scope.organization_id,
        provider_id=scope.provider_id,
        client_id=client_id if client_id is not None else scope.client_id,
        resource_type=resource_type,
        resource_id=str(resource_id),
        fields=fields,
        reason=reason,
        ip_address=ip_address,
    )


# --- members ---------------------------------------------------------------------------------
def _check_role_for(scope: Scope, role: str) -> Role:
    try:
        parsed = Role(role)
    except ValueError:
        raise Invalid(_("Unknown role: %(role)s") % {"role": role}, field="role") from None
    if scope.all_tenants:
        return parsed
    if parsed not in ROLES_BY_KIND[scope.organization_kind]:
        raise Invalid(_("This role does not exist in this kind of organisation."), field="role")
    return parsed


@transaction.atomic
def membership_create(
    scope: Scope,
    *,
    username: str,
    role: str,
    email: str = "",
    display_name: str = "",
    password: str | None = None,
    organization_id: int | None = None,
) -> Membership:
    """Add a person to the actor's organisation, creating the user when new.

    A new user without a password gets a password-reset email to choose one.
    """
    scope.require(TenancyPerm.MANAGE_MEMBERS)
    parsed_role = _check_role_for(scope, role)
    target_org_id = organization_id if (scope.all_tenants and organization_id) else scope.organization_id
    if target_org_id is None:
        raise Invalid(_("Choose an organisation."), field="organization_id")
    username = username.strip()
    if not username:
        raise Invalid(_("A username is required."), field="username")
    user = selectors.user_get_by_username(username)
    created = False
    if user is None:
        user = User(username=username, email=email.strip(), display_name=display_name.strip())
        if password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise Invalid(" ".join(exc.messages), field="password") from None
            user.set_password(password)
        else:
            user.set_unusable_password()
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise _invalid_user(exc) from None
        user.save()
        created = True
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, organization_id=target_org_id, role=parsed_role)
    except IntegrityError:
        raise Conflict(_("This user is already a member of this organisation.")) from None
    audit_record(scope, action="membership.created", target=membership, data={"role": parsed_role.value})
    if created and not password and user.email:
        transaction.on_commit(lambda: _send_password_setup(user))
    return membership


def _invalid_user(exc: ValidationError) -> Invalid:
    """The first field the user model refused (`full_clean`), as the project's `Invalid` (a 422,
    a form error); the model's own message where we have none of ours."""
    if not hasattr(exc, "error_dict"):
        return Invalid(" ".join(exc.messages))
    field, errors = next(iter(exc.message_dict.items()))
    ours = {
        "username": _("A username is at most 150 letters, digits and the characters @ . + - _."),
        "email": _("Enter a valid e-mail address."),
        "display_name": _("A display name is at most 80 characters."),
    }
    return Invalid(ours.get(field) or " ".join(errors), field=None if field == "__all__" else field)


def _send_password_setup(user: User) -> None:
    """The password-reset mail, also for users who never had a password (Django skips those)."""
    base = urlsplit(settings.KEFU_BASE_URL)
    context = {
        "email": user.email,
        "domain": base.netloc,
        "site_name": _("Kefu"),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": base.scheme or "http",
    }
    PasswordResetForm().send_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
        context,
        None,
        user.email,
    )


def _guard_last_admin(membership: Membership, *, new_role: str | None, active: bool) -> None:
    if membership.role not in ADMIN_ROLES or not membership.is_active:
        return
    stays_admin = active and (new_role is None or new_role in ADMIN_ROLES)
    if not stays_admin and selectors.admin_count(membership.organization_id) <= 1:
        raise Conflict(_("An organisation must keep at least one active admin."))


@transaction.atomic
def membership_update(
    scope: Scope, *, membership_id: int, role: str | None = None, is_active: bool | None = None
) -> Membership:
    scope.require(TenancyPerm.MANAGE_MEMBERS)
    membership = selectors.membership_get(scope, membership_id=membership_id, for_update=True)
    changes: dict[str, Any] = {}
    new_role = _check_role_for(scope, role).value if role is not None else None
    active = membership.is_active if is_active is None else is_active
    _guard_last_admin(membership, new_role=new_role, active=active)
    if new_role is not None and new_role != membership.role:
        changes["role"] = [membership.role, new_role]
        membership.role = new_role
    if is_active is not None and is_active != membership.is_active:
        changes["is_active"] = [membership.is_active, is_active]
        membership.is_active = is_active
    if changes:
        membership.save(update_fields=["role", "is_active", "updated_at"])
        audit_record(scope, action="membership.changed", target=membership, data=changes)
        transaction.on_commit(api_token_cache_clear)
    return membership


@transaction.atomic
def membership_delete(scope: Scope, *, membership_id: int) -> None:
    scope.require(TenancyPerm.MANAGE_MEMBERS)
    membership = selectors.membership_get(scope, membership_id=membership_id, for_update=True)
    if membership.user_id == scope.user_id:
        raise Conflict(_("You cannot remove your own membership."))
    _guard_last_admin(membership, new_role=None, active=False)
    audit_record(scope, action="membership.deleted", target=membership, data={"role": membership.role})
    membership.delete()
    transaction.on_commit(api_token_cache_clear)


# --- organisation security -------------------------------------------------------------------
@transaction.atomic
def organization_update_security(
    scope: Scope, *, require_mfa: bool | None = None, require_provider_mfa: bool | None = None
) -> Organization:
    scope.require(TenancyPerm.MANAGE_SECURITY)
    if scope.organization_id is None:
        raise NotFound()
    organization = Organization.objects.select_for_update().get(pk=scope.organization_id)
    changes: dict[str, Any] = {}
    if require_mfa is not None and require_mfa != organization.require_mfa:
        changes["require_mfa"] = [organization.require_mfa, require_mfa]
        organization.require_mfa = require_mfa
    if require_provider_mfa is not None and require_provider_mfa != organization.require_provider_mfa:
        if organization.kind != OrgKind.CLIENT:
            raise Invalid(_("Only a client can require this of its providers."), field="require_provider_mfa")
        changes["require_provider_mfa"] = [organization.require_provider_mfa, require_provider_mfa]
        organization.require_provider_mfa = require_provider_mfa
    if changes:
        organization.save(update_fields=["require_mfa", "require_provider_mfa"])
        audit_record(scope, action="organization.security_changed", target=organization, data=changes)
        transaction.on_commit(api_token_cache_clear)
    return organization


# --- API tokens ------------------------------------------------------------------------------
def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, organization_id: int | None = None, name: str = ""
) -> tuple[ApiToken, str]:
    """Issue a token acting for one of the user's organisations; returns (row, raw token)."""
    memberships = selectors.membership_list_for_user(user)
    if organization_id is not None:
        memberships = memberships.filter(organization_id=organization_id)
    membership = memberships.first()
    if membership is None:
        raise Invalid(_("This user has no active membership to act for."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organization=membership.organization,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=_hash_token(raw),
    )
    scope = selectors.scope_for_membership(membership)
    audit_record(scope, action="api_token.created", target=token, data={"name": name, "prefix": token.prefix})
    return token, raw


# Bearer calls resolve token → scope from a short-lived in-process cache: an API client
# posting many messages pays the token, membership and engagement lookups once every few
# seconds instead of on every request. Revocation clears the entry in this process at once;
# other worker processes follow within the TTL (documented in docs/architecture.md).
TOKEN_SCOPE_TTL_S = 10.0
_TOKEN_SCOPE_CACHE_MAX = 10_000
_token_scopes: dict[str, tuple[float, User, Scope]] = {}


NOT_CACHED = object()


def api_token_scope_cached(raw: str) -> tuple[User, Scope] | object:
    """The cached answer of `api_token_scope`, or NOT_CACHED: no database, safe in async code."""
    cached = _token_scopes.get(_hash_token(raw.strip()))
    if cached is not None and cached[0] > time.monotonic():
        return cached[1], cached[2]
    return NOT_CACHED


def api_token_scope(raw: str) -> tuple[User, Scope] | None:
    """The user and scope a bearer token acts with, or None for an unknown/revoked token."""
    key_hash = _hash_token(raw.strip())
    cached = _token_scopes.get(key_hash)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1], cached[2]
    token = api_token_authenticate(raw)
    if token is None:
        _token_scopes.pop(key_hash, None)
        return None
    scope = selectors.scope_for_user(token.user, organization_id=token.organization_id)
    if scope is None:
        return None
    if len(_token_scopes) >= _TOKEN_SCOPE_CACHE_MAX:
        _token_scopes.clear()
    _token_scopes[key_hash] = (now + TOKEN_SCOPE_TTL_S, token.user, scope)
    return token.user, scope


def api_token_cache_clear() -> None:
    _token_scopes.clear()


def api_token_authenticate(raw: str) -> ApiToken | None:
    token = selectors.api_token_get_active(_hash_token(raw.strip()))
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def api_token_revoke(scope: Scope, *, token_id: int) -> None:
    token = selectors.api_token_list(scope).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    _token_scopes.pop(token.key_hash, None)
    audit_record(scope, action="api_token.revoked", target=token)


def require_admin(scope: Scope) -> None:
    if scope.role not in ADMIN_ROLES:
        raise PermissionDenied()


# --- organisations (platform operators, demo and setup commands) ----------------------------
@transaction.atomic
def organization_create(*, kind: str, name: str, slug: str, category: str = "") -> Organization:
    """Create a provider or client; a platform-level act, so it takes no tenant scope."""
    if kind not in {OrgKind.PROVIDER, OrgKind.CLIENT, OrgKind.PLATFORM}:
        raise Invalid(_("Unknown organisation kind: %(kind)s") % {"kind": kind}, field="kind")
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(_("An organisation with this short name exists already."))
    organization = Organization.objects.create(kind=kind, name=name, slug=slug, category=category)
    audit_record(None, action="organization.created", target=organization, organization=organization)
    return organization


@transaction.atomic
def engagement_create(*, provider: Organization, client: Organization, started_on: Any = None) -> Engagement:
    """Record that a provider serves a client: from now on the provider sees that client's data."""
    if provider.kind != OrgKind.PROVIDER or client.kind != OrgKind.CLIENT:
        raise Invalid(_("An engagement links a provider to a client."))
    engagement, _created = Engagement.objects.get_or_create(
        provider=provider, client=client, defaults={"started_on": started_on}
    )
    audit_record(None, action="engagement.created", target=engagement, organization=provider)
    return engagement


def _audit_both_sides(scope: Scope, *, action: str, engagement: Engagement, data: dict[str, Any]) -> None:
    """One record in the acting client's trail and a copy in the provider's own (provider row, no
    client), so each side's audit page shows the step while the provider still sees no client data."""
    record = audit_record(scope, action=action, target=engagement, data=data)
    AuditEvent.all_tenants.create(
        at=record.at,
        actor_id=record.actor_id,
        actor_name=record.actor_name,
        actor_organization_id=record.actor_organization_id,
        action=action,
        target_type=record.target_type,
        target_id=record.target_id,
        target_repr=record.target_repr,
        data=data,
        provider_id=engagement.provider_id,
        client_id=None,
    )


@transaction.atomic
def engagement_propose(scope: Scope, *, provider_id: int) -> Engagement:
    """A client invites a provider it does not work with to quote: a proposed engagement, which
    opens none of the client's data (only the request's intake and the provider's own quote, see
    `Engagement`). An active engagement is returned unchanged; a declined or ended one is proposed
    again."""
    if not scope.is_client:
        raise PermissionDenied()
    provider = Organization.objects.filter(pk=provider_id, kind=OrgKind.PROVIDER, is_active=True).first()
    if provider is None:
        raise NotFound(_("Unknown provider."), field="provider_ids")
    engagement = selectors.engagement_between(
        provider_id=provider.pk, client_id=scope.organization_id, for_update=True
    )
    if engagement is not None and engagement.status in (Engagement.Status.ACTIVE, Engagement.Status.PROPOSED):
        return engagement
    if engagement is None:
        engagement = Engagement.objects.create(
            provider=provider, client_id=scope.organization_id, status=Engagement.Status.PROPOSED
        )
    else:
        engagement.status = Engagement.Status.PROPOSED
        engagement.save(update_fields=["status"])
    _audit_both_sides(
        scope, action="engagement.proposed", engagement=engagement, data={"provider": provider.name}
    )
    return engagement


@transaction.atomic
def engagement_award(scope: Scope, *, provider_id: int) -> Engagement | None:
    """The client chose a proposed provider: the engagement becomes active (the provider now serves
    the client, and the contract flow starts from it). An engagement that is not proposed is left
    as it is and None returned."""
    if not scope.is_client:
        raise PermissionDenied()
    engagement = selectors.engagement_between(
        provider_id=provider_id, client_id=scope.organization_id, for_update=True
    )
    if engagement is None or engagement.status != Engagement.Status.PROPOSED:
        return None
    engagement.status, engagement.started_on = Engagement.Status.ACTIVE, clock.now().date()
    engagement.save(update_fields=["status", "started_on"])
    _audit_both_sides(
        scope, action="engagement.awarded", engagement=engagement, data={"provider": engagement.provider.name}
    )
    return engagement


@transaction.atomic
def engagement_decline(scope: Scope, *, provider_id: int) -> Engagement | None:
    """The client passed over a proposed provider: the engagement is declined and the provider
    loses sight of the request's intake and of its own quote. Other statuses are left alone."""
    if not scope.is_client:
        raise PermissionDenied()
    engagement = selectors.engagement_between(
        provider_id=provider_id, client_id=scope.organization_id, for_update=True
    )
    if engagement is None or engagement.status != Engagement.Status.PROPOSED:
        return None
    engagement.status = Engagement.Status.DECLINED
    engagement.save(update_fields=["status"])
    _audit_both_sides(
        scope,
        action="engagement.declined",
        engagement=engagement,
        data={"provider": engagement.provider.name},
    )
    return engagement


@transaction.atomic
def user_add_to_organization(
    *,
    username: str,
    password: str,
    organization: Organization,
    role: Role,
    email: str = "",
    display_name: str = "",
) -> User:
    """Operator setup: create the user if new (password validated) and give them a role."""
    user = selectors.user_get_by_username(username)
    if user is None:
        user = User(username=username, email=email, display_name=display_name)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), field="password") from None
        user.set_password(password)
        user.save()
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise Conflict(_("This user is already a member of this organisation."))
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    audit_record(None, action="membership.created", target=membership, organization=organization)
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    display_name: str = "",
    memberships: list[tuple[Organization, str]],
) -> User:
    """Create a user with memberships; used by setup commands where no admin acts yet."""
    user = User.objects.create_user(
        username=username, password=password, email=email, display_name=display_name
    )
    for organization, role in memberships:
        Membership.objects.create(user=user, organization=organization, role=Role(role))
    return user
