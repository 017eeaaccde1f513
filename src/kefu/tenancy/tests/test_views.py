"""Sign-in, throttling, two-factor, members and the logs, through the pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.tenancy import mfa, services
from kefu.tenancy.models import AuditEvent, Membership, Organization
from kefu.testing.plugin import Tenants


def _login(client: Client, username: str, password: str) -> object:
    return client.post("/login/", {"username": username, "password": password})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_login_lands_on_the_role_home_in_chinese(tenants: Tenants, password: str) -> None:
    client = Client()
    response = _login(client, "pa_agent", password)
    assert response.status_code == 302 and response["Location"] == "/"

    home = client.get("/")

    text = home.content.decode()
    assert home.status_code == 200
    assert "客服工作台" in text and "甲服务商" in text and "家居店" in text
    assert "数码店" not in text  # another tenant's client


def test_login_and_failures_are_audited(tenants: Tenants, password: str) -> None:
    client = Client()
    _login(client, "pa_agent", "wrong-password")
    _login(client, "pa_agent", password)
    scope = tenants.scope("pa", "provider_admin")
    actions = list(
        AuditEvent.objects.for_scope(scope).filter(actor_name="pa_agent").values_list("action", flat=True)
    )
    assert sorted(actions) == ["login", "login.failed"]


def test_login_is_throttled_after_repeated_failures(tenants: Tenants, password: str, settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    client = Client()
    for _ in range(2):
        assert _login(client, "pa_qa_inspector", "nope").status_code == 200
    locked = _login(client, "pa_qa_inspector", "nope")  # the third failure pauses the account
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()

    response = _login(client, "PA_qa_inspector ", password)  # even the right password waits

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    scope = tenants.scope("pa", "provider_admin")
    actions = AuditEvent.objects.for_scope(scope).filter(actor_name="pa_qa_inspector")
    assert sorted(actions.values_list("action", flat=True))[:3] == ["login.failed"] * 2 + ["login.throttled"]


def test_the_failure_count_is_in_the_database_and_survives_a_restart(
    tenants: Tenants, password: str, settings
) -> None:
    """A new process (here: no cache, a new client) sees the failures the last one counted."""
    from axes.models import AccessAttempt
    from django.core.cache import cache

    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    for _ in range(2):
        _login(Client(), "pa_agent", "nope")
    assert AccessAttempt.objects.get(username="pa_agent").failures_since_start == 2
    cache.clear()  # what a restart forgets

    assert _login(Client(), "pa_agent", "nope").status_code == 429
    assert _login(Client(), "pa_agent", password).status_code == 429


def test_one_locked_account_does_not_lock_others_behind_the_same_address(
    tenants: Tenants, password: str, settings
) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    client = Client(REMOTE_ADDR="10.1.2.3")  # a call centre behind one NAT address
    for _ in range(4):
        _login(client, "pa_agent", "nope")
    assert _login(client, "pa_agent", password).status_code == 429

    colleague = _login(Client(REMOTE_ADDR="10.1.2.3"), "pa_supervisor", password)

    assert colleague.status_code == 302


def test_a_successful_sign_in_clears_the_failures(tenants: Tenants, password: str, settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    for _ in range(2):
        _login(Client(), "pa_agent", "nope")
    assert _login(Client(), "pa_agent", password).status_code == 302
    for _ in range(2):
        assert _login(Client(), "pa_agent", "nope").status_code == 200


def test_logout_needs_post_and_ends_the_session(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "agent")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_language_switch_to_english(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "agent")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get("/").content.decode()
    assert "Agent workspace" in text and "Sign out" in text


def test_org_switcher_changes_the_acting_organisation(tenants: Tenants) -> None:
    user = tenants.user("pa", "agent")
    Membership.objects.create(user=user, organization=tenants.ca1, role="client_viewer")
    client = Client()
    client.force_login(user)

    client.post("/organization/switch/", {"organization_id": tenants.ca1.pk})
    text = client.get("/").content.decode()

    assert "您的服务商" in text and "甲服务商" in text
    foreign = client.post("/organization/switch/", {"organization_id": tenants.cb.pk})
    assert foreign.status_code == 422


def test_mfa_setup_then_required_at_next_login(tenants: Tenants, password: str, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows retries after a wrong code
    client = Client()
    _login(client, "pa_supervisor", password)
    client.get("/account/mfa/setup/")
    pending = TOTPDevice(key=client.session[mfa.SESSION_PENDING_KEY])
    assert client.post("/account/mfa/setup/", {"token": "000000"}).status_code == 200
    response = client.post("/account/mfa/setup/", {"token": _code(pending)})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=tenants.user("pa", "supervisor"))
    assert (device.confirmed, device.key) == (True, pending.key)

    client.post("/logout/")
    response = _login(client, "pa_supervisor", password)
    assert response["Location"].startswith("/account/mfa/verify/")
    assert client.get("/").status_code == 302  # blocked until verified
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again in this test
    device.save()
    assert client.post("/account/mfa/verify/", {"token": _code(device), "next": "/"}).status_code == 302
    assert client.get("/").status_code == 200


def test_mfa_setup_page_writes_no_device_until_a_code_confirms_it(tenants: Tenants) -> None:
    # given a signed-in user without a device
    user = tenants.user("pa", "agent")
    client = tenants.client_for("pa", "agent")

    # when the setup page is shown twice and a wrong code is entered
    first = client.get("/account/mfa/setup/").content.decode()
    second = client.get("/account/mfa/setup/").content.decode()
    pending = TOTPDevice(key=client.session[mfa.SESSION_PENDING_KEY])
    wrong = client.post("/account/mfa/setup/", {"token": f"{(int(_code(pending)) + 1) % 1000000:06d}"})

    # then no device was stored, and both pages showed the same secret
    assert TOTPDevice.objects.filter(user=user).count() == 0
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', first)
    assert secret is not None and secret.group(1) in second
    assert wrong.status_code == 200
    # when the right code comes, then exactly one confirmed device is stored
    assert client.post("/account/mfa/setup/", {"token": _code(pending)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=user).values_list("confirmed", flat=True)) == [True]
    assert mfa.SESSION_PENDING_KEY not in client.session


def test_organisation_requiring_mfa_sends_staff_to_setup(tenants: Tenants) -> None:
    services.organization_update_security(tenants.scope("pa", "provider_admin"), require_mfa=True)
    client = tenants.client_for("pa", "agent")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/account/mfa/setup/")


def test_client_requiring_provider_mfa_hides_it_and_says_so(tenants: Tenants) -> None:
    Organization.objects.filter(pk=tenants.ca1.pk).update(require_provider_mfa=True)
    text = tenants.client_for("pa", "agent").get("/").content.decode()
    assert "以下甲方要求双因素登录" in text
    assert "<li>家居店" not in text and "<li>美妆店" in text


def test_admin_adds_edits_and_removes_a_member(tenants: Tenants, django_capture_on_commit_callbacks) -> None:
    client = tenants.client_for("pa", "provider_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/members/",
            {"username": "newbie", "role": "agent", "email": "n@example.cn", "display_name": "新人"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    membership = Membership.objects.get(user__username="newbie")

    client.post(f"/settings/members/{membership.pk}/", {"role": "supervisor", "is_active": "on"})
    membership.refresh_from_db()
    assert membership.role == "supervisor"

    client.post(f"/settings/members/{membership.pk}/", {"role": "supervisor", "delete": "1"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_member_form_errors_are_shown_not_raised(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "provider_admin")
    response = client.post("/settings/members/", {"username": "pa_agent", "role": "agent"})
    assert response.status_code == 422
    assert "已是本组织成员" in response.content.decode()


@pytest.mark.parametrize("path", ["/settings/members/", "/audit/", "/access-log/", "/settings/security/"])
def test_agents_cannot_open_admin_pages(tenants: Tenants, path: str) -> None:
    assert tenants.client_for("pa", "agent").get(path).status_code == 403


def test_audit_log_page_filters(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "provider_admin")
    services.audit_record(scope, action="export.conversations")
    services.audit_record(scope, action="membership.changed")
    client = tenants.client_for("pa", "provider_admin")
    text = client.get("/audit/", {"action": "export"}).content.decode()
    assert "export.conversations" in text and "membership.changed" not in text


def test_client_admin_sees_provider_reads_in_access_log(tenants: Tenants) -> None:
    services.access_record(
        tenants.scope("pa", "agent"),
        resource_type="customer",
        resource_id=7,
        client_id=tenants.ca1.pk,
        fields="phone",
    )
    text = tenants.client_for("ca1", "client_admin").get("/access-log/").content.decode()
    assert "pa_agent" in text and "customer #7" in text
    assert "pa_agent" not in tenants.client_for("ca2", "client_admin").get("/access-log/").content.decode()


def test_password_reset_sends_a_working_link(tenants: Tenants) -> None:
    client = Client()
    client.post("/password-reset/", {"email": tenants.user("pa", "agent").email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line).strip()
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200 and "new_password1" in response.content.decode()


def test_healthz_reports_the_database(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_api_token_created_on_account_page_is_shown_once(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "agent")
    text = client.post("/account/", {"name": "脚本"}).content.decode()
    raw = re.search(r"kefu_[A-Za-z0-9_-]{20,}", text)
    assert raw is not None
    later = client.get("/account/").content.decode()
    assert raw.group(0) not in later and "脚本" in later


def test_idle_session_expires(tenants: Tenants, password: str, settings) -> None:
    import time_machine

    settings.SESSION_COOKIE_AGE = 3600
    with time_machine.travel("2026-11-25 09:00:00+08:00", tick=False) as traveller:
        client = Client()
        _login(client, "pa_agent", password)
        traveller.shift(1800)
        assert client.get("/").status_code == 200  # activity renews the idle timer
        traveller.shift(3000)
        assert client.get("/").status_code == 200
        traveller.shift(3700)
        response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
