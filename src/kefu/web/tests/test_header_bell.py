"""The floor bell sits in every page's header for those who get notices (leads, QA inspectors,
agents), once, also on the workspace; a client's people do not get it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from kefu.floor import services as floor_services
from kefu.testing.plugin import Tenants

BELL = 'id="floor-bell"'


@pytest.mark.parametrize("role", ["supervisor", "qa_inspector", "agent"])
def test_a_page_other_than_the_workspace_carries_the_bell(tenants: Tenants, role: str) -> None:
    # given a provider's lead, QA inspector or agent
    client = tenants.client_for("pa", role)

    # when they open their home (not the workspace)
    html = client.get("/").content.decode()

    # then the header holds the bell once, loaded from the floor's partial
    assert html.count(BELL) == 1
    header = html.split("</header>", 1)[0]
    assert f'hx-get="{reverse("floor_bell")}"' in header


def test_the_workspace_shows_the_bell_once(tenants: Tenants) -> None:
    html = tenants.client_for("pa", "agent").get(reverse("desk_inbox")).content.decode()

    assert html.count(BELL) == 1


@pytest.mark.parametrize("role", ["client_admin", "client_manager"])
def test_a_clients_people_get_no_bell(tenants: Tenants, role: str) -> None:
    html = tenants.client_for("ca1", role).get("/").content.decode()

    assert BELL not in html
    assert reverse("floor_bell") not in html


OVERDUE = "Complaint #%(id)d “%(subject)s” is overdue (due %(due)s)."


@pytest.mark.parametrize(
    ("language", "label", "text"),
    [
        ("zh-hans", "现场提醒", "投诉 #7“包裹破损”已超期（期限 2026-12-06 10:00）。"),
        ("en", "Floor alerts", "Complaint #7 “包裹破损” is overdue (due 2026-12-06 10:00)."),
    ],
)
def test_the_bell_shows_a_reminder_in_the_readers_language(
    tenants: Tenants, language: str, label: str, text: str
) -> None:
    # given a system reminder in a QA inspector's bell (stored once, whoever reads it)
    inspector = tenants.user("pa", "qa_inspector")
    floor_services.notice_send(
        provider_id=tenants.pa.pk,
        client_id=tenants.ca1.pk,
        user_id=inspector.pk,
        message=OVERDUE,
        params={"id": 7, "subject": "包裹破损", "due": "2026-12-06 10:00"},
    )
    client = tenants.client_for("pa", "qa_inspector")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    # when the header loads the bell
    html = client.get(reverse("floor_bell")).content.decode()

    # then it counts and lists the reminder, both in the reader's language (the subject as written)
    assert f"{label} 1" in html
    assert text in html
