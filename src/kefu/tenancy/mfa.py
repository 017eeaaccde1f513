"""TOTP two-factor sign-in on top of django-otp: setup, verification, state."""

from __future__ import annotations

import base64
import time

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

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


#: the session key holding the secret of the device being set up, until its first code confirms it
SESSION_PENDING_KEY = "kefu_mfa_pending_key"


def pending_device(request: HttpRequest) -> TOTPDevice:
    """The device being set up, not saved: its secret lives in the session (made on the first
    visit), so showing the setup page writes no row and a reload shows the same QR code. The
    row is created when a code confirms it (`confirm_device`)."""
    key = request.session.get(SESSION_PENDING_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = default_key()
        request.session[SESSION_PENDING_KEY] = key
    return TOTPDevice(user=request.user, name="Kefu", key=key, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


@transaction.atomic
def confirm_device(request: HttpRequest, device: TOTPDevice, token: str) -> None:
    """Store the pending `device` as confirmed once `token` is its current code (checked
    without saving, so a wrong code stores nothing); the user's older unconfirmed devices
    (left by earlier versions) go, and the session forgets the pending secret."""
    try:
        code = int(token.strip())
    except ValueError:
        code = None
    check = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    check.time = time.time()
    if code is None or not check.verify(code, device.tolerance):
        raise Invalid(_("That code is not right. Check the time on your phone and try again."), field="token")
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    device.confirmed, device.last_t, device.drift = True, check.t(), check.drift
    device.save()
    request.session.pop(SESSION_PENDING_KEY, None)
    otp_login(request, device)


def verify(request: HttpRequest, token: str) -> TOTPDevice:
    for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
        if device.verify_token(token.strip()):
            otp_login(request, device)
            return device
    raise Invalid(_("That code is not right. Check the time on your phone and try again."), field="token")
