"""Role homes promise only what the role can open today; the favicon is served."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from kefu.core.roles import ROLES_BY_KIND
from kefu.core.scope import OrgKind
from kefu.testing.plugin import Tenants

ROLES = [("pa", role.value) for role in ROLES_BY_KIND[OrgKind.PROVIDER]] + [
    ("ca1", role.value) for role in ROLES_BY_KIND[OrgKind.CLIENT]
]


@pytest.mark.parametrize(("org", "role"), ROLES)
def test_every_duty_on_a_role_home_opens_for_that_role(tenants: Tenants, org: str, role: str) -> None:
    # given a member of each role, reading English
    client = tenants.client_for(org, role)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when they open their home
    html = client.get("/").content.decode()
    duties = re.search(r'<ul id="duties">(.*?)</ul>', html, re.S)

    # then each duty is a link they can open, and nothing not built yet is promised
    assert duties, f"{role} has nothing to do"
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', duties.group(1))
    assert links
    for url, _text in links:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, (role, url)
    text = duties.group(1).lower()
    for promise in ("scorecard", "kpi", "exam", "training", "renewal", "onboarding"):
        assert promise not in text, (role, promise)


def test_favicon_is_served_and_linked(tenants: Tenants) -> None:
    anonymous = Client()
    icon = anonymous.get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")
    page = anonymous.get("/login/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', page)
