"""TOTP two-factor sign-in on top of django-otp: setup, verification, state."""

from __future__ import annotations

import base64

import segno
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.core.errors import Invalid
from kefu.core.scope import OrgKind
from kefu.tenancy.models import Organization, User


def is_verified(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and getattr(user, "is_verified", lambda: False)())


def has_device(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def step_required(user: User, organization: Organization | None) -> str | None:
    """What an unverified user must do before acting for `organization`: "verify" (they have a
    device), "setup" (the organisation requires two-factor sign-in, as the platform always
    does), or None. Pages redirect to that step; WebSockets refuse the connection."""
    if has_device(user):
        return "verify"
    if organization is not None and (organization.require_mfa or organization.kind == OrgKind.PLATFORM):
        return "setup"
    return None


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per user), created on first visit."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Kefu", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


def confirm_device(request: HttpRequest, device: TOTPDevice, token: str) -> None:
    if not device.verify_token(token.strip()):
        raise Invalid(_("That code is not right. Check the time on your phone and try again."), field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)


def verify(request: HttpRequest, token: str) -> TOTPDevice:
    for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
        if device.verify_token(token.strip()):
            otp_login(request, device)
            return device
    raise Invalid(_("That code is not right. Check the time on your phone and try again."), field="token")
