"""Forms of the tenancy pages; validation of shape only, rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.roles import ROLES_BY_KIND, role_label
from kefu.core.scope import Scope


class MembershipCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=80, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"))
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to email the person a link to choose one."),
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (r.value, role_label(r)) for r in ROLES_BY_KIND[scope.organization_kind]
        ]


class MembershipUpdateForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (r.value, role_label(r)) for r in ROLES_BY_KIND[scope.organization_kind]
        ]


class SecurityForm(forms.Form):
    require_mfa = forms.BooleanField(label=_("Require two-factor sign-in for our staff"), required=False)
    require_provider_mfa = forms.BooleanField(
        label=_("Require two-factor sign-in of provider staff who touch our data"), required=False
    )


class TokenForm(forms.Form):
    token = forms.CharField(label=_("6-digit code"), max_length=8, min_length=6)


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)


class LogFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
