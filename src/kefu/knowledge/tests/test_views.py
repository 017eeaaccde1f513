"""Quick phrase pages: list, create, edit, delete, CSV import errors, export, read-only roles."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.knowledge import services
from kefu.knowledge.models import QuickPhrase
from kefu.testing.plugin import Tenants


def test_supervisor_manages_phrases(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "supervisor")
    page = client.get("/knowledge/phrases/")
    assert page.status_code == 200 and 'id="phrase-create"' in page.content.decode()

    created = client.post(
        "/knowledge/phrases/",
        {"action": "create", "client": tenants.ca1.pk, "shortcut": "/tk", "title": "退款", "body": "已退款"},
    )
    assert created.status_code == 302
    phrase = QuickPhrase.all_tenants.get()
    assert "/tk" in client.get("/knowledge/phrases/").content.decode()

    duplicate = client.post(
        "/knowledge/phrases/",
        {"action": "create", "client": tenants.ca1.pk, "shortcut": "tk", "title": "x", "body": "y"},
    )
    assert duplicate.status_code == 422 and "/tk" in duplicate.content.decode()

    edited = client.post(
        f"/knowledge/phrases/{phrase.pk}/", {"title": "退款说明", "body": "亲，已退款", "shortcut": "tk"}
    )
    assert edited.status_code == 302
    phrase.refresh_from_db()
    assert phrase.title == "退款说明"

    assert client.post(f"/knowledge/phrases/{phrase.pk}/", {"delete": "1"}).status_code == 302
    assert QuickPhrase.all_tenants.count() == 0


def test_import_shows_row_errors(tenants: Tenants) -> None:
    client = tenants.client_for("pa", "supervisor")
    upload = SimpleUploadedFile(
        "p.csv", "title,body,shortcut\n退款,已退款,tk\n,无标题,wl\n".encode(), "text/csv"
    )
    response = client.post(
        "/knowledge/phrases/", {"action": "import", "client": tenants.ca1.pk, "file": upload}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="import-errors"' in html and "3" in html
    assert QuickPhrase.all_tenants.count() == 0

    good = SimpleUploadedFile("p.csv", "title,body,shortcut\n退款,已退款,tk\n".encode(), "text/csv")
    assert (
        client.post(
            "/knowledge/phrases/", {"action": "import", "client": tenants.ca1.pk, "file": good}
        ).status_code
        == 302
    )
    assert QuickPhrase.all_tenants.count() == 1


def test_agents_and_viewers_only_read(tenants: Tenants) -> None:
    phrase = services.quick_phrase_create(
        tenants.scope("pa", "supervisor"),
        client_id=tenants.ca1.pk,
        title="退款",
        body="已退款",
        shortcut="tk",
    )
    agent = tenants.client_for("pa", "agent")
    page = agent.get("/knowledge/phrases/").content.decode()
    assert "/tk" in page and 'id="phrase-create"' not in page
    assert (
        agent.post("/knowledge/phrases/", {"action": "create", "title": "x", "body": "y"}).status_code == 403
    )
    assert agent.get(f"/knowledge/phrases/{phrase.pk}/").status_code == 403
    viewer = tenants.client_for("ca1", "client_viewer")
    assert "/tk" in viewer.get("/knowledge/phrases/").content.decode()
    export = viewer.get("/knowledge/phrases/export.csv")
    assert export.status_code == 200 and "退款" in export.content.decode("utf-8-sig")
    assert tenants.client_for("pb", "supervisor").get(f"/knowledge/phrases/{phrase.pk}/").status_code == 404
