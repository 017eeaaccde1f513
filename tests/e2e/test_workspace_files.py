"""An agent sees an unread badge, opens the conversation (the badge clears), attaches a file
in the reply box and sends it; the file's chip appears in the thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kefu.core import realtime
from kefu.desk import services as desk_services
from kefu.tenancy import demo
from kefu.tenancy import selectors as tenancy_selectors

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture
def conversation_id(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> int:
    settings.MEDIA_ROOT = tmp_path
    with monkeypatch.context() as patch:  # nobody listens during the setup (see test_workspace.py)
        patch.setattr(realtime, "publish", lambda *args, **kwargs: None)
        demo.load(today=timezone.localdate())
        user = tenancy_selectors.user_get_by_username("zhangwei")
        provider = tenancy_selectors.organization_by_slug("dingmao")
        agent = tenancy_selectors.scope_for_user(user, organization_id=provider.pk)
        yuejia = tenancy_selectors.organization_by_slug("yuejia")
        conversation = desk_services.conversation_create(
            agent, channel="chat", client_id=yuejia.pk, subject="面单", message="快递面单发我一下"
        )
        desk_services.conversation_assign(agent, conversation_id=conversation.pk, agent_id=agent.user_id)
        return conversation.pk


def test_agent_reads_and_sends_a_file(live_server: Any, conversation_id: int, page: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "zhangwei")
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/desk/")
    badge = page.locator(f"#mine [data-conversation-id='{conversation_id}'] + .unread")
    assert badge.inner_text() == "1"

    page.click(f"#mine [data-conversation-id='{conversation_id}']")
    page.wait_for_url(f"**/desk/c/{conversation_id}/")
    assert page.locator(f"#mine [data-conversation-id='{conversation_id}'] + .unread").count() == 0

    page.set_input_files("#reply-files", files=[{"name": "面单.png", "mimeType": "image/png", "buffer": PNG}])
    assert "面单.png" in page.locator("#reply-file-names").inner_text()
    page.locator("#reply-body").click()
    page.locator("#reply-body").press("Control+Enter")
    chip = page.locator("#thread .msg-out .file-chip")
    chip.wait_for()
    assert "面单.png" in chip.inner_text()
    assert page.locator("#reply-file-names").inner_text() == ""
