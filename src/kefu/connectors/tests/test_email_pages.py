"""The channel settings pages (mailboxes, phone systems, webhooks) and the mailbox API."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from kefu.connectors import cti, email, webhooks
from kefu.connectors.models import CtiEndpoint, MailboxConfig, WebhookEndpoint
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db

MAILBOX_FORM = {
    "address": "support@home.example.cn",
    "from_name": "家居店客服",
    "active": "on",
    "imap_host": "imap.home.example.cn",
    "imap_port": "993",
    "imap_security": "ssl",
    "imap_username": "support",
    "imap_password": "imap-pw",
    "imap_folder": "INBOX",
    "smtp_host": "smtp.home.example.cn",
    "smtp_port": "465",
    "smtp_security": "ssl",
    "smtp_username": "support",
    "smtp_password": "smtp-pw",
}


def _flash(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_an_admin_creates_a_mailbox_sees_its_url_once_and_can_post_mail_to_it(
    tenants: Tenants, in_english: None
) -> None:
    browser = tenants.client_for("pa", "provider_admin")

    response = browser.post("/connectors/mailboxes/new/", {**MAILBOX_FORM, "client": tenants.ca1.pk})

    mailbox = MailboxConfig.all_tenants.get()
    assert response.status_code == 302 and response["Location"] == f"/connectors/mailboxes/{mailbox.pk}/"
    [flash] = _flash(response)
    url = re.search(r"http\S+/connectors/email/(\S+)/inbound", flash)
    assert url is not None and email.key_hash(url.group(1)) == mailbox.inbound_key_hash
    assert (mailbox.provider_id, mailbox.client_id, mailbox.imap_password) == (
        tenants.pa.pk,
        tenants.ca1.pk,
        "imap-pw",
    )
    page = browser.get("/connectors/")
    assert page.status_code == 200 and "support@home.example.cn" in page.content.decode()
    detail = browser.get(f"/connectors/mailboxes/{mailbox.pk}/").content.decode()
    assert "imap-pw" not in detail and "smtp-pw" not in detail  # passwords are never shown
    raw = b"From: a@b.cn\r\nSubject: hi\r\nMessage-ID: <p1@b.cn>\r\n\r\nhello\r\n"
    posted = Client().post(url.group(0).split("testserver", 1)[-1], data=raw, content_type="message/rfc822")
    assert posted.status_code == 202


def test_editing_keeps_passwords_left_empty_and_rotating_replaces_the_key(tenants: Tenants) -> None:
    admin = tenants.scope("pa", "provider_admin")
    mailbox, old_key = email.mailbox_create(
        admin, client_id=tenants.ca1.pk, **{k: v for k, v in MAILBOX_FORM.items() if k != "active"} | {
            "imap_port": 993, "smtp_port": 465})  # fmt: skip
    browser = tenants.client_for("pa", "supervisor")  # team leads run mailboxes too

    response = browser.post(
        f"/connectors/mailboxes/{mailbox.pk}/",
        {**MAILBOX_FORM, "from_name": "新名字", "imap_password": "", "smtp_password": ""},
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.from_name, mailbox.imap_password, mailbox.smtp_password) == (
        "新名字",
        "imap-pw",
        "smtp-pw",
    )

    browser.post(f"/connectors/mailboxes/{mailbox.pk}/rotate-key/")
    mailbox.refresh_from_db()
    assert mailbox.inbound_key_hash != email.key_hash(old_key)

    browser.post(f"/connectors/mailboxes/{mailbox.pk}/", {"delete": "1"})
    assert not MailboxConfig.all_tenants.exists()


def test_invalid_mailbox_settings_come_back_as_form_errors(tenants: Tenants, in_english: None) -> None:
    browser = tenants.client_for("pa", "provider_admin")

    response = browser.post(
        "/connectors/mailboxes/new/",
        {**MAILBOX_FORM, "client": tenants.ca1.pk, "imap_host": "bad host!", "imap_password": ""},
    )

    assert response.status_code == 422
    assert "Enter a host name like imap.example.com." in response.content.decode()
    assert not MailboxConfig.all_tenants.exists()


def test_the_test_button_reports_each_server(tenants: Tenants, in_english: None) -> None:
    mailbox, _key = email.mailbox_create(
        tenants.scope("pa", "provider_admin"), client_id=tenants.ca1.pk, address="a@home.example.cn"
    )

    response = tenants.client_for("pa", "provider_admin").post(f"/connectors/mailboxes/{mailbox.pk}/test/")

    assert response.status_code == 302
    assert _flash(response) == [
        "IMAP: No IMAP server set: mail arrives by the inbound webhook only.",
        "SMTP: No SMTP server set: replies cannot be sent.",
    ]


def test_polling_errors_show_on_the_pages(tenants: Tenants) -> None:
    mailbox, _key = email.mailbox_create(
        tenants.scope("pa", "provider_admin"), client_id=tenants.ca1.pk, address="a@home.example.cn"
    )
    MailboxConfig.all_tenants.filter(pk=mailbox.pk).update(last_error="登录被拒绝")

    page = tenants.client_for("pa", "supervisor").get(f"/connectors/mailboxes/{mailbox.pk}/")

    assert page.status_code == 200 and "登录被拒绝" in page.content.decode()


@pytest.mark.parametrize(("org", "role"), [("pa", "agent"), ("pa", "qa_inspector"), ("ca1", "client_viewer")])
def test_roles_without_the_permission_cannot_set_up_mailboxes(tenants: Tenants, org: str, role: str) -> None:
    browser = tenants.client_for(org, role)

    assert browser.get("/connectors/").status_code == 403
    assert (
        browser.post("/connectors/mailboxes/new/", {**MAILBOX_FORM, "client": tenants.ca1.pk}).status_code
        == 403
    )
    assert not MailboxConfig.all_tenants.exists()


def test_an_account_manager_sees_channels_but_cannot_change_them(tenants: Tenants) -> None:
    browser = tenants.client_for("pa", "account_manager")

    assert browser.get("/connectors/").status_code == 200
    assert (
        browser.post("/connectors/mailboxes/new/", {**MAILBOX_FORM, "client": tenants.ca1.pk}).status_code
        == 403
    )


def test_the_navigation_links_the_channels_page(tenants: Tenants, in_english: None) -> None:
    page = tenants.client_for("pa", "provider_admin").get("/")

    assert 'href="/connectors/"' in page.content.decode()


def test_phone_systems_are_created_edited_rotated_and_deleted_on_pages(tenants: Tenants) -> None:
    browser = tenants.client_for("pa", "provider_admin")

    response = browser.post(
        "/connectors/phone/new/", {"client": tenants.ca1.pk, "name": "总机", "agents": "8001=pa_agent"}
    )

    endpoint = CtiEndpoint.all_tenants.get()
    assert response.status_code == 302 and endpoint.secret in _flash(response)[0]
    assert endpoint.agent_map == {"8001": "pa_agent"}
    old_secret = endpoint.secret
    assert (
        browser.post(f"/connectors/phone/{endpoint.pk}/", {"name": "新总机", "agents": "8002=x"}).status_code
        == 302
    )
    browser.post(f"/connectors/phone/{endpoint.pk}/rotate-secret/")
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.enabled, endpoint.agent_map) == ("新总机", False, {"8002": "x"})
    assert endpoint.secret != old_secret
    bad = browser.post(f"/connectors/phone/{endpoint.pk}/", {"name": "x", "agents": "no equals sign"})
    assert bad.status_code == 422
    browser.post(f"/connectors/phone/{endpoint.pk}/", {"delete": "1"})
    assert not CtiEndpoint.all_tenants.exists()


def test_webhooks_are_created_edited_rotated_and_deleted_on_pages(tenants: Tenants) -> None:
    browser = tenants.client_for("ca1", "client_admin")

    response = browser.post(
        "/connectors/webhooks/new/",
        {"url": "https://hooks.example.cn/kefu", "event_types": "message_in, offered"},
    )

    endpoint = WebhookEndpoint.all_tenants.get()
    assert response.status_code == 302 and endpoint.secret in _flash(response)[0]
    assert (endpoint.organization_id, endpoint.event_types) == (tenants.ca1.pk, ["message_in", "offered"])
    bad = browser.post(
        f"/connectors/webhooks/{endpoint.pk}/",
        {"url": "https://hooks.example.cn/kefu", "event_types": "nope"},
    )
    assert bad.status_code == 422
    browser.post(
        f"/connectors/webhooks/{endpoint.pk}/",
        {"url": "https://hooks.example.cn/v2", "event_types": "", "enabled": "on"},
    )
    old_secret = endpoint.secret
    browser.post(f"/connectors/webhooks/{endpoint.pk}/rotate-secret/")
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types) == ("https://hooks.example.cn/v2", [])
    assert endpoint.secret != old_secret
    assert "hooks.example.cn/v2" in browser.get("/connectors/").content.decode()
    browser.post(f"/connectors/webhooks/{endpoint.pk}/", {"delete": "1"})
    assert not WebhookEndpoint.all_tenants.exists()


def test_other_tenants_channels_are_not_found(tenants: Tenants) -> None:
    mailbox, _key = email.mailbox_create(
        tenants.scope("pb", "provider_admin"), client_id=tenants.cb.pk, address="b@b.cn"
    )
    endpoint, _secret = cti.cti_endpoint_create(
        tenants.scope("pb", "provider_admin"), client_id=tenants.cb.pk
    )
    hook, _secret = webhooks.webhook_create(
        tenants.scope("pb", "provider_admin"), url="https://b.example.cn/h"
    )
    browser = tenants.client_for("pa", "provider_admin")

    for url in (
        f"/connectors/mailboxes/{mailbox.pk}/",
        f"/connectors/phone/{endpoint.pk}/",
        f"/connectors/webhooks/{hook.pk}/",
    ):
        assert browser.get(url).status_code == 404
    page = browser.get("/connectors/").content.decode()
    assert "b@b.cn" not in page and "b.example.cn/h" not in page


def test_the_mailbox_api_creates_reads_updates_rotates_tests_and_deletes(tenants: Tenants) -> None:
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "provider_admin"), name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    created = api.post(
        "/api/mailboxes",
        {
            "client_id": tenants.ca1.pk,
            "address": "api@home.example.cn",
            "smtp_host": "smtp.example.cn",
            "smtp_password": "pw",
        },
        content_type="application/json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["inbound_url"].endswith(f"/connectors/email/{body['inbound_key']}/inbound")
    assert (body["has_smtp_password"], body["has_imap_password"]) == (True, False)
    assert "smtp_password" not in body
    mailbox_id = body["id"]
    listed = api.get("/api/mailboxes").json()
    assert [m["address"] for m in listed] == ["api@home.example.cn"] and "inbound_key" not in listed[0]
    patched = api.patch(f"/api/mailboxes/{mailbox_id}", {"from_name": "API"}, content_type="application/json")
    assert patched.json()["from_name"] == "API" and patched.json()["has_smtp_password"] is True
    bad = api.patch(
        f"/api/mailboxes/{mailbox_id}", {"imap_security": "tls9"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "imap_security"
    rotated = api.post(f"/api/mailboxes/{mailbox_id}/rotate-key").json()
    assert rotated["inbound_key"] != body["inbound_key"]
    tested = api.post(f"/api/mailboxes/{mailbox_id}/test").json()
    assert tested["imap_ok"] is None and tested["smtp_ok"] is False
    assert api.delete(f"/api/mailboxes/{mailbox_id}").status_code == 204
    assert api.get(f"/api/mailboxes/{mailbox_id}").status_code == 404
