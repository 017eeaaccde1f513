"""Reads of the tenancy app; every read of tenant data goes through a scope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from kefu.core.roles import Role, permissions_for
from kefu.core.scope import OrgKind, Scope
from kefu.core.tenancy import one_of
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


# --- building the scope ---------------------------------------------------------------------
def membership_list_for_user(user: User) -> QuerySet[Membership]:
    """The organisations a signed-in user can act for (the org switcher)."""
    return (
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
        .select_related("organization", "user")
        .order_by("organization__kind", "organization__name")
    )


def active_memberships(*, user_ids: set[int], organization_ids: set[int]) -> set[tuple[int, int]]:
    """(user id, organisation id) of the active users' active memberships among these
    organisations (active ones): who may hold an item of these organisations, in one read for
    many people (the desk's assignment write)."""
    if not user_ids or not organization_ids:
        return set()
    rows = Membership.objects.filter(
        user_id__in=sorted(user_ids),
        user__is_active=True,
        is_active=True,
        organization_id__in=sorted(organization_ids),
        organization__is_active=True,
    ).values_list("user_id", "organization_id")
    return set(rows)


def membership_list_for_role(organization: Organization, *, role: str) -> list[Membership]:
    """Active members with one role, for setup jobs (the demo loader) that act as them."""
    return list(
        Membership.objects.filter(organization=organization, role=role, is_active=True)
        .select_related("user")
        .order_by("user__username")
    )


def partner_ids(organization: Organization, *, mfa_verified: bool = True) -> frozenset[int]:
    """Clients a provider serves, or providers serving a client (active engagements).

    A client that requires two-factor sign-in of provider staff is left out of an
    unverified provider user's scope, so its data stays invisible until they verify.
    """
    if organization.kind == OrgKind.PROVIDER:
        engagements = Engagement.objects.filter(provider=organization, status=Engagement.Status.ACTIVE)
        if not mfa_verified:
            engagements = engagements.exclude(client__require_provider_mfa=True)
        return frozenset(engagements.values_list("client_id", flat=True))
    if organization.kind == OrgKind.CLIENT:
        return frozenset(
            Engagement.objects.filter(client=organization, status=Engagement.Status.ACTIVE).values_list(
                "provider_id", flat=True
            )
        )
    return frozenset()


def clients_requiring_mfa(organization: Organization) -> list[Organization]:
    """Clients of this provider that hide their data from unverified provider staff."""
    if organization.kind != OrgKind.PROVIDER:
        return []
    return list(
        Organization.objects.filter(
            engagements_as_client__provider=organization,
            engagements_as_client__status=Engagement.Status.ACTIVE,
            require_provider_mfa=True,
        )
    )


def scope_for_membership(membership: Membership, *, mfa_verified: bool = True) -> Scope:
    organization = membership.organization
    user = membership.user
    if organization.kind == OrgKind.PLATFORM:
        return Scope.platform(
            user_id=user.pk,
            organization_id=organization.pk,
            permissions=permissions_for(membership.role),
            username=user.username,
        )
    return Scope(
        user_id=user.pk,
        organization_id=organization.pk,
        organization_kind=OrgKind(organization.kind),
        role=membership.role,
        permissions=permissions_for(membership.role),
        partner_ids=partner_ids(organization, mfa_verified=mfa_verified),
        username=user.username,
    )


def scope_for_user(
    user: User, *, organization_id: int | None = None, mfa_verified: bool = True
) -> Scope | None:
    """The scope of a user acting for one of their organisations (the first one by default)."""
    memberships = membership_list_for_user(user)
    if organization_id is not None:
        memberships = memberships.filter(organization_id=organization_id)
    membership = memberships.first()
    if membership is None:
        return None
    return scope_for_membership(membership, mfa_verified=mfa_verified)


SESSION_ORG_KEY = "kefu_organization_id"  # the org switcher's choice in the browser's session


def session_access(
    user: User, session: Mapping[str, Any] | None, *, mfa_verified: bool
) -> tuple[Membership, Scope] | None:
    """The membership and scope of a signed-in browser: the organisation chosen with the org
    switcher (kept in the session), else the user's first. One rule for pages (the access
    middleware) and WebSockets (the agent consumer), so both act for the same organisation."""
    memberships = membership_list_for_user(user)
    wanted = session.get(SESSION_ORG_KEY) if session is not None else None
    membership = (memberships.filter(organization_id=wanted).first() if wanted else None) or (
        memberships.first()
    )
    if membership is None:
        return None
    return membership, scope_for_membership(membership, mfa_verified=mfa_verified)


# --- organisations ---------------------------------------------------------------------------
def organization_get(scope: Scope, *, organization_id: int) -> Organization:
    """An organisation the actor may see: its own or a partner."""
    return one_of(organization_list(scope), pk=organization_id)


def organization_list(scope: Scope) -> QuerySet[Organization]:
    if scope.all_tenants:
        return Organization.objects.all()
    ids = {scope.organization_id, *scope.partner_ids} - {None}
    return Organization.objects.filter(pk__in=ids)


def organization_by_slug(slug: str) -> Organization | None:
    """For operator commands that name organisations by short name."""
    return Organization.objects.filter(slug=slug).first()


def organization_list_all() -> QuerySet[Organization]:
    """Every organisation: for platform operators' commands only."""
    return Organization.objects.order_by("kind", "slug")


def organization_partners(organization: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=partner_ids(organization)).order_by("slug")


# Statuses of relationships that serve: a proposed or declined one is only an invitation to quote
# (see `Engagement`), so contracts, onboarding, reviews and billing never list it.
SERVING_STATUSES = (Engagement.Status.ACTIVE, Engagement.Status.ENDED)


def engagement_list(scope: Scope) -> QuerySet[Engagement]:
    queryset = Engagement.objects.select_related("provider", "client").filter(status__in=SERVING_STATUSES)
    if scope.all_tenants:
        return queryset.all()
    if scope.is_provider:
        return queryset.filter(provider_id=scope.organization_id)
    if scope.is_client:
        return queryset.filter(client_id=scope.organization_id)
    return queryset.none()


def proposed_partner_ids(organization_id: int, *, kind: OrgKind) -> frozenset[int]:
    """The other side of this organisation's proposed engagements (invitations to quote): the
    clients that invited a provider, or the providers a client invited. Opens no data by itself;
    quoting's selectors use it to show an invited provider one intake and its own quote."""
    rows = Engagement.objects.filter(status=Engagement.Status.PROPOSED)
    if kind == OrgKind.PROVIDER:
        return frozenset(rows.filter(provider_id=organization_id).values_list("client_id", flat=True))
    if kind == OrgKind.CLIENT:
        return frozenset(rows.filter(client_id=organization_id).values_list("provider_id", flat=True))
    return frozenset()


def engagement_partner_names(scope: Scope) -> dict[int, str]:
    """The names of the other side of every relationship of the actor's organisation in any
    status (a client's invited, serving and former providers), to name them on its own pages."""
    if scope.is_client:
        rows = Engagement.objects.filter(client_id=scope.organization_id)
        return dict(rows.values_list("provider_id", "provider__name"))
    if scope.is_provider:
        rows = Engagement.objects.filter(provider_id=scope.organization_id)
        return dict(rows.values_list("client_id", "client__name"))
    return {}


def engagement_between(*, provider_id: int, client_id: int, for_update: bool = False) -> Engagement | None:
    """The relationship of one pair in any status, for the services that propose, award or close
    it; None when the two have never met."""
    rows = Engagement.objects.filter(provider_id=provider_id, client_id=client_id)
    if for_update:
        rows = rows.select_for_update()
    return rows.first()


# --- members ---------------------------------------------------------------------------------
def membership_list(scope: Scope, *, role: str | None = None, search: str = "") -> QuerySet[Membership]:
    """Members of the actor's own organisation; partners' staff lists stay private."""
    scope.require(TenancyPerm.VIEW_MEMBERS)
    queryset = Membership.objects.select_related("user", "organization")
    if not scope.all_tenants:
        queryset = queryset.filter(organization_id=scope.organization_id)
    if role:
        queryset = queryset.filter(role=role)
    if search:
        queryset = queryset.filter(
            Q(user__username__icontains=search)
            | Q(user__display_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    return queryset.order_by("user__username")


def membership_get(scope: Scope, *, membership_id: int, for_update: bool = False) -> Membership:
    return one_of(membership_list(scope), pk=membership_id, for_update=for_update)


def admin_count(organization_id: int) -> int:
    return Membership.objects.filter(
        organization_id=organization_id,
        is_active=True,
        role__in=[Role.PROVIDER_ADMIN, Role.CLIENT_ADMIN, Role.PLATFORM_ADMIN],
    ).count()


def member_named(organization: Organization, *, name: str) -> User | None:
    """The one active member of `organization` whose display name (or, without one, user name)
    is `name`, for jobs that must reach a person named in free text (a risk's owner); None when
    nobody or several people answer to it."""
    name = name.strip()
    if not name:
        return None
    users = [
        m.user
        for m in Membership.objects.filter(organization=organization, is_active=True, user__is_active=True)
        .filter(Q(user__display_name=name) | Q(user__display_name="", user__username=name))
        .select_related("user")[:2]
    ]
    return users[0] if len(users) == 1 else None


def user_get_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def api_token_get_active(key_hash: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("user", "organization")
        .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def api_token_list(scope: Scope) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        user_id=scope.user_id, organization_id=scope.organization_id, revoked_at=None
    )


# --- audit and access logs -------------------------------------------------------------------
@dataclass(frozen=True)
class LogFilter:
    action: str = ""
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None


def audit_event_list(scope: Scope, *, filters: LogFilter | None = None) -> QuerySet[AuditEvent]:
    scope.require(TenancyPerm.VIEW_AUDIT)
    queryset = AuditEvent.objects.for_scope(scope).select_related("actor_organization", "actor")
    return _filter_log(queryset, filters, action_field="action")


def audit_event_list_about(
    scope: Scope, *, target_type: str, target_id: int, actions: tuple[str, ...]
) -> QuerySet[AuditEvent]:
    """The audit records of `actions` about one object, oldest first, for the page that shows
    that object's history. The caller has already shown that the actor sees the object (its
    own selector raised NotFound otherwise), so no audit permission is asked for."""
    return (
        AuditEvent.objects.for_scope(scope)
        .filter(target_type=target_type, target_id=str(target_id), action__in=actions)
        .select_related("actor")
        .order_by("at", "id")
    )


def access_log_list(scope: Scope, *, filters: LogFilter | None = None) -> QuerySet[AccessLogEntry]:
    """Sensitive reads; a client's admins see what provider staff read of their customers."""
    scope.require(TenancyPerm.VIEW_ACCESS_LOG)
    queryset = AccessLogEntry.objects.for_scope(scope).select_related("actor_organization")
    return _filter_log(queryset, filters, action_field="resource_type")


def _filter_log(queryset: QuerySet, filters: LogFilter | None, *, action_field: str) -> QuerySet:
    if filters is None:
        return queryset
    if filters.action:
        queryset = queryset.filter(**{f"{action_field}__icontains": filters.action})
    if filters.actor:
        queryset = queryset.filter(actor_name__icontains=filters.actor)
    if filters.since:
        queryset = queryset.filter(at__gte=filters.since)
    if filters.until:
        queryset = queryset.filter(at__lt=filters.until)
    return queryset


# --- what pages show about the organisation ----------------------------------------------------
@dataclass(frozen=True)
class HomeSummary:
    """The home page's tenancy panels; None where the actor may not see that panel."""

    recent_audit: list[AuditEvent] | None
    member_count: int | None


def home_summary(scope: Scope) -> HomeSummary:
    """The last audit events and the member count, each only for those allowed to see it, so
    the shell's home page asks once and checks no tenancy permission itself."""
    return HomeSummary(
        recent_audit=list(audit_event_list(scope)[:8]) if scope.has(TenancyPerm.VIEW_AUDIT) else None,
        member_count=membership_list(scope).count() if scope.has(TenancyPerm.VIEW_MEMBERS) else None,
    )


def client_choices(scope: Scope) -> list[tuple[int, str]]:
    """The clients the actor acts for, as a form's choices (a client: itself; a provider: the
    clients it serves)."""
    organizations = organization_list(scope).filter(kind=OrgKind.CLIENT)
    return [(o.pk, o.name) for o in organizations if o.pk in scope.client_ids]
