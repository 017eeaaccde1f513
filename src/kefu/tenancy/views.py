"""Pages for signing in, two-factor, members, security settings, audit and access logs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import Invalid, KefuError
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.core.roles import role_label
from kefu.tenancy import mfa, selectors, services
from kefu.tenancy.forms import (
    ApiTokenCreateForm,
    LogFilterForm,
    MembershipCreateForm,
    MembershipUpdateForm,
    SecurityForm,
    TokenForm,
)
from kefu.tenancy.permissions import TenancyPerm
from kefu.tenancy.selectors import SESSION_ORG_KEY


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


class LoginView(auth_views.LoginView):
    template_name = "tenancy/login.html"
    # throttled by django-axes (kefu.tenancy.throttle): a locked account gets the page with 429
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        scope = selectors.scope_for_user(user)
        services.audit_record(scope, action="login", actor=user, ip_address=_ip(self.request))
        if mfa.has_device(user):
            return redirect(f"/account/mfa/verify/?next={self.get_success_url()}")
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = self.request.POST.get("username", "")[:150]
        user = selectors.user_get_by_username(username)
        membership = selectors.membership_list_for_user(user).first() if user else None
        throttled = getattr(self.request, "axes_locked_out", False)
        services.audit_record(
            None,
            action="login.throttled" if throttled else "login.failed",
            actor=user,
            organization=membership.organization if membership else None,
            ip_address=_ip(self.request),
            data={"username": username},
        )
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.audit_record(request.access, action="logout", actor=request.user, ip_address=_ip(request))
    auth_logout(request)
    return redirect("login")


@require_POST
@access_required()
def switch_organization(request: HttpRequest) -> HttpResponse:
    try:
        organization_id = int(request.POST.get("organization_id", ""))
    except ValueError:
        raise Invalid(_("Choose an organisation.")) from None
    if not selectors.membership_list_for_user(request.user).filter(organization_id=organization_id).exists():
        raise Invalid(_("You are not a member of that organisation."))
    request.session[SESSION_ORG_KEY] = organization_id
    return redirect("home")


# --- two-factor ------------------------------------------------------------------------------
def mfa_setup(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if mfa.has_device(request.user) and not request.user.is_verified():
        return redirect("mfa_verify")
    device = mfa.pending_device(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa.confirm_device(request, device, form.cleaned_data["token"])
        except Invalid as exc:
            form.add_error("token", str(exc.message))
        else:
            services.audit_record(
                request.access, action="mfa.enabled", actor=request.user, ip_address=_ip(request)
            )
            messages.success(request, _("Two-factor sign-in is on."))
            return HttpResponseRedirect(_safe_next(request, "/account/"))
    return render(
        request,
        "tenancy/mfa_setup.html",
        {
            "form": form,
            "qr_svg": mfa.qr_svg(device),
            "secret": mfa.secret_base32(device),
            "next": _safe_next(request),
        },
    )


def mfa_verify(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa.verify(request, form.cleaned_data["token"])
        except Invalid as exc:
            services.audit_record(None, action="mfa.failed", actor=request.user, ip_address=_ip(request))
            form.add_error("token", str(exc.message))
        else:
            return HttpResponseRedirect(_safe_next(request))
    return render(request, "tenancy/mfa_verify.html", {"form": form, "next": _safe_next(request)})


# --- account ---------------------------------------------------------------------------------
@access_required()
def account(request: HttpRequest) -> HttpResponse:
    token_form = ApiTokenCreateForm(request.POST or None)
    new_token = None
    if request.method == "POST" and token_form.is_valid():
        _token, new_token = services.api_token_create(
            user=request.user,
            organization_id=request.access.organization_id,
            name=token_form.cleaned_data["name"],
        )
        token_form = ApiTokenCreateForm()
    return render(
        request,
        "tenancy/account.html",
        {
            "has_mfa": mfa.has_device(request.user),
            "tokens": selectors.api_token_list(request.access),
            "token_form": token_form,
            "new_token": new_token,
        },
    )


@require_POST
@access_required()
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.api_token_revoke(request.access, token_id=token_id)
    messages.success(request, _("Token revoked."))
    return redirect("account")


# --- members ---------------------------------------------------------------------------------
@access_required(TenancyPerm.VIEW_MEMBERS)
def members(request: HttpRequest) -> HttpResponse:
    scope = request.access
    can_manage = scope.has(TenancyPerm.MANAGE_MEMBERS)
    form = MembershipCreateForm(request.POST or None, scope=scope) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            membership = services.membership_create(scope, **form.cleaned_data)
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": membership.user})
            return redirect("members")
    search = request.GET.get("q", "").strip()
    page = Paginator(selectors.membership_list(scope, search=search), 50).get_page(request.GET.get("page"))
    rows = [(m, role_label(m.role)) for m in page]
    return render(
        request,
        "tenancy/members.html",
        {"page": page, "rows": rows, "form": form, "can_manage": can_manage, "q": search},
        status=422 if form is not None and form.errors else 200,
    )


@access_required(TenancyPerm.MANAGE_MEMBERS)
def member_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    scope = request.access
    membership = selectors.membership_get(scope, membership_id=membership_id)
    initial = {"role": membership.role, "is_active": membership.is_active}
    form = MembershipUpdateForm(request.POST or None, scope=scope, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            try:
                services.membership_delete(scope, membership_id=membership.pk)
            except KefuError as exc:
                form = MembershipUpdateForm(scope=scope, initial=initial)
                form_error(form, exc)
            else:
                messages.success(request, _("Membership removed."))
                return redirect("members")
        elif form.is_valid():
            try:
                services.membership_update(scope, membership_id=membership.pk, **form.cleaned_data)
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("members")
    return render(
        request,
        "tenancy/member_edit.html",
        {"membership": membership, "form": form},
        status=422 if form.errors else 200,
    )


@access_required(TenancyPerm.MANAGE_SECURITY)
def security(request: HttpRequest) -> HttpResponse:
    scope = request.access
    organization = selectors.organization_get(scope, organization_id=scope.organization_id)
    form = SecurityForm(
        request.POST or None,
        initial={
            "require_mfa": organization.require_mfa,
            "require_provider_mfa": organization.require_provider_mfa,
        },
    )
    if not scope.is_client:
        del form.fields["require_provider_mfa"]
    if request.method == "POST" and form.is_valid():
        services.organization_update_security(scope, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("security")
    return render(request, "tenancy/security.html", {"form": form, "organization": organization})


def _log_page(request: HttpRequest, rows_selector: Callable[..., QuerySet], template: str) -> HttpResponse:
    form = LogFilterForm(request.GET or None)
    filters = selectors.LogFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.LogFilter(
            action=data["action"] or "",
            actor=data["actor"] or "",
            since=_day(data["since"]),
            until=_day(data["until"], 1),
        )
    page = Paginator(rows_selector(request.access, filters=filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"page": page, "form": form, "query": query.urlencode()})


def _day(value: dt.date | None, plus_days: int = 0) -> dt.datetime | None:
    """A date from a filter form as the start of that day (or a later one) in local time."""
    if value is None:
        return None
    return timezone.make_aware(dt.datetime.combine(value + dt.timedelta(days=plus_days), dt.time.min))


@access_required(TenancyPerm.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    return _log_page(request, selectors.audit_event_list, "tenancy/audit_log.html")


@access_required(TenancyPerm.VIEW_ACCESS_LOG)
def access_log(request: HttpRequest) -> HttpResponse:
    return _log_page(request, selectors.access_log_list, "tenancy/access_log.html")
