"""Pages: skills, the agent × skill grid, certifications, overflow and the planned split, the report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kefu.routing import selectors, services
from kefu.testing.plugin import Tenants

pytestmark = pytest.mark.django_db


def test_a_lead_adds_a_skill_and_fills_the_grid_bad_cells_keep_their_input(tenants: Tenants) -> None:
    lead = tenants.client_for("pa", "supervisor")
    scope = tenants.scope("pa", "supervisor")
    assert (
        lead.post("/routing/skills/manage/", {"new-kind": "language", "new-name": "英文"}).status_code == 302
    )
    skill = selectors.skill_list(scope, kind="language").get()
    agent = tenants.user("pa", "agent")
    grid = lead.get("/routing/skills/").content.decode()
    assert f'name="level-{agent.pk}-{skill.pk}"' in grid and f'name="cap-{agent.pk}-chat"' in grid

    bad = lead.post("/routing/skills/", {f"level-{agent.pk}-{skill.pk}": "4", f"cap-{agent.pk}-chat": "99"})
    assert bad.status_code == 422
    assert 'value="99"' in bad.content.decode()
    assert selectors.skill_grid(scope).levels == {}

    saved = lead.post("/routing/skills/", {f"level-{agent.pk}-{skill.pk}": "4", f"cap-{agent.pk}-chat": "5"})
    assert saved.status_code == 302
    grid_now = selectors.skill_grid(scope)
    assert (grid_now.levels[(agent.pk, skill.pk)], grid_now.capacity[(agent.pk, "chat")]) == (4, 5)

    renamed = lead.post(
        f"/routing/skills/{skill.pk}/", {f"s{skill.pk}-kind": "language", f"s{skill.pk}-name": "英语"}
    )
    assert renamed.status_code == 302
    assert selectors.skill_get(scope, skill_id=skill.pk).name == "英语"
    assert tenants.client_for("pa", "agent").get("/routing/skills/").status_code == 403


def test_a_trainer_certifies_and_revokes_expiring_ones_are_highlighted(tenants: Tenants) -> None:
    trainer = tenants.client_for("pa", "trainer")
    agent = tenants.user("pa", "agent")
    form = {
        "user": agent.pk,
        "client": tenants.ca1.pk,
        "valid_from": "2026-01-01",
        "valid_until": "2025-12-01",
    }
    refused = trainer.post("/routing/certifications/", form)
    assert refused.status_code == 422 and 'value="2025-12-01"' in refused.content.decode()
    soon = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert trainer.post("/routing/certifications/", {**form, "valid_until": soon}).status_code == 302
    page = trainer.get("/routing/certifications/").content.decode()
    assert 'data-status="expiring"' in page and 'id="expiring-note"' in page
    cert = selectors.certification_list(tenants.scope("pa", "trainer")).get()
    assert trainer.post(f"/routing/certifications/{cert.pk}/revoke/").status_code == 302
    assert 'data-status="revoked"' in trainer.get("/routing/certifications/").content.decode()


def test_the_queue_page_plans_the_split_and_overflows_to_a_provider_serving_the_client(
    multi_vendor: Any,
) -> None:
    t = multi_vendor
    queue = services.queue_create(t.scope("pa", "supervisor"), client_id=t.ca1.pk, name="家居-在线")
    lead = t.client_for("pa", "supervisor")
    page = lead.get(f"/routing/queues/{queue.pk}/").content.decode()
    assert 'id="queue-shares"' in page and f'name="share_{t.pc.pk}"' in page and "星河" in page

    off = lead.post(
        f"/routing/queues/{queue.pk}/shares/", {f"share_{t.pa.pk}": "80", f"share_{t.pc.pk}": "30"}
    )
    assert off.status_code == 422 and 'value="30"' in off.content.decode()
    ok = lead.post(
        f"/routing/queues/{queue.pk}/shares/", {f"share_{t.pa.pk}": "80", f"share_{t.pc.pk}": "20"}
    )
    assert ok.status_code == 302
    shares = {
        p.provider_id: p.share_percent
        for p in selectors.queue_providers(t.scope("pa", "supervisor"), queue_id=queue.pk)
    }
    assert shares == {t.pa.pk: 80, t.pc.pk: 20}

    settings = {
        "business_type": "general",
        "channel": "chat",
        "priority": 5,
        "sl_target_percent": 80,
        "sl_target_seconds": 30,
        "default_chat_concurrency": 3,
        "offer_timeout_s": 30,
        "overflow_after_s": 120,
        "overflow_provider": t.pc.pk,
        "active": "on",
    }
    assert lead.post(f"/routing/queues/{queue.pk}/", settings).status_code == 302
    queue.refresh_from_db()
    assert (queue.overflow_provider_id, queue.overflow_after_s) == (t.pc.pk, 120)
    report = lead.get(f"/routing/queues/{queue.pk}/split/?date_from=2026-12-01&date_to=2026-12-07")
    assert report.status_code == 200 and 'id="split"' in report.content.decode()
    assert 'value="2026-12-01"' in report.content.decode()  # a date input takes ISO dates only
    assert t.client_for("ca1", "client_manager").get(f"/routing/queues/{queue.pk}/split/").status_code == 200
    assert t.client_for("pc", "supervisor").post(f"/routing/queues/{queue.pk}/shares/", {}).status_code == 403
