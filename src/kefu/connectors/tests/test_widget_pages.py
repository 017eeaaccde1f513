"""Staff pages for widgets: the list with the tag to embed, and the sample shop page."""

from __future__ import annotations

from kefu.connectors import services
from kefu.testing.plugin import Tenants


def test_widget_list_and_try_page(tenants: Tenants) -> None:
    widget = services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=["https://shop.example.cn"],
    )
    page = tenants.client_for("pa", "supervisor").get("/widget/").content.decode()
    assert f"/widget/{widget.widget_key}.js" in page
    try_page = tenants.client_for("pa", "supervisor").get(f"/widget/{widget.pk}/try/")
    assert try_page.status_code == 200 and f"/widget/{widget.widget_key}.js" in try_page.content.decode()
    assert tenants.client_for("pb", "supervisor").get(f"/widget/{widget.pk}/try/").status_code == 404
    assert tenants.client_for("pa", "agent").get("/widget/").status_code == 403
