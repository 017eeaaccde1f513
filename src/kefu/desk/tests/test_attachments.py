"""Attachments: the type comes from the content (magic bytes), size and name are checked,
files are stored privately and every download is scoped and written to the access log."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.core.errors import Invalid, NotFound
from kefu.desk import files, selectors, services
from kefu.desk.models import Attachment, Conversation
from kefu.desk.tests.test_api import Api
from kefu.tenancy.models import AccessLogEntry
from kefu.testing.plugin import Tenants

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 40


def _ooxml(main_part: str, *extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
        for name in extra:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- the pure core ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (PNG, "截图.png", "image/png"),
        (JPEG, "photo.JPG", "image/jpeg"),
        (b"GIF89a" + b"\x00" * 10, "a.gif", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "a.webp", "image/webp"),
        (PDF, "发票.pdf", "application/pdf"),
        ("订单号,金额\nTB1,59\n".encode(), "orders.csv", "text/csv"),
        ("订单号,金额\n".encode("gb18030"), "excel导出.csv", "text/csv"),
        ("快递单号 SF123".encode(), "note.txt", "text/plain"),
        (
            _ooxml("xl/workbook.xml"),
            "a.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            _ooxml("word/document.xml"),
            "a.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_sniff_recognises_the_allowed_types(content: bytes, name: str, expected: str) -> None:
    assert files.sniff(content, name).content_type == expected


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (EXE, "invoice.png"),  # an executable renamed
        (EXE, "setup.exe"),
        (_ooxml("xl/workbook.xml", "xl/vbaProject.bin"), "macro.xlsx"),  # xlsm in disguise
        (_ooxml("payload/readme.txt"), "photos.zip"),  # plain archive
        (b"<html><script>alert(1)</script></html>", "page.html"),
        (b"\x00\x01\x02binary", "data.txt"),  # not text
    ],
)
def test_sniff_refuses_everything_else(content: bytes, name: str) -> None:
    with pytest.raises(files.UnknownType):
        files.sniff(content, name)


def test_sniff_refuses_a_name_that_lies_about_an_allowed_type() -> None:
    with pytest.raises(files.NameMismatch) as caught:
        files.sniff(PDF, "photo.png")
    assert (caught.value.kind.label, caught.value.extension) == ("PDF", ".png")


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\x\\截图 1.png", "截图 1.png"),
        ('a<b>:"c|?*.png', "a_b___c___.png"),
        (".hidden.png", "hidden.png"),
        ("", "attachment.png"),
        ("no-extension", "no-extension.png"),
        ("x" * 300 + ".png", "x" * 116 + ".png"),
    ],
)
def test_file_names_are_sanitised(name: str, clean: str) -> None:
    assert files.sanitize_filename(name, files.ALLOWED["image/png"]) == clean


# --- the service -----------------------------------------------------------------------------
def test_upload_stores_the_sniffed_type_privately(
    tenants: Tenants, conversation: Conversation, _media: Path
) -> None:
    agent = tenants.scope("pa", "agent")
    upload = SimpleUploadedFile("../快递面单.png", PNG, content_type="application/x-msdownload")

    attachment = services.attachment_create(
        agent, conversation_id=conversation.pk, filename=upload.name, content=upload
    )

    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "快递面单.png",
        "image/png",
        len(PNG),
    )
    assert attachment.uploaded_by_id == agent.user_id and attachment.message_id is None
    assert attachment.internal
    stored = _media / attachment.storage_name
    assert stored.read_bytes() == PNG
    assert "快递" not in attachment.storage_name and attachment.storage_name.startswith(
        f"attachments/{tenants.ca1.pk}/"
    )


def test_oversize_files_are_refused_before_anything_is_stored(
    tenants: Tenants, conversation: Conversation, settings: Any, _media: Path, in_english: None
) -> None:
    settings.KEFU_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(services.FileTooLarge) as caught:
        services.attachment_create(
            tenants.scope("pa", "agent"),
            conversation_id=conversation.pk,
            filename="big.pdf",
            content=PDF + b"0" * 2000,
        )
    assert str(caught.value.message) == "The file is larger than 1 KB; send a smaller one."
    assert not Attachment.objects.for_scope(tenants.scope("pa", "agent")).exists()
    assert not list(_media.rglob("*.*"))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.png", EXE, "This type of file is not accepted"),
        ("tool.exe", EXE, "This type of file is not accepted"),
        ("scan.png", PDF, "content is PDF but its name ends in .png"),
        ("empty.txt", b"", "The file is empty"),
    ],
)
def test_wrong_types_get_a_clear_message(
    tenants: Tenants, conversation: Conversation, in_english: None, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(Invalid) as caught:
        services.attachment_create(
            tenants.scope("pa", "agent"), conversation_id=conversation.pk, filename=name, content=content
        )
    assert message in str(caught.value.message) and caught.value.field == "file"
    assert not Attachment.objects.for_scope(tenants.scope("pa", "agent")).exists()


def test_a_message_with_files_and_a_note_attachment_stays_internal(
    tenants: Tenants, conversation: Conversation
) -> None:
    agent = tenants.scope("pa", "agent")
    reply = services.message_post_with_files(
        agent, conversation_id=conversation.pk, body="", uploads=[("面单.pdf", PDF), ("照片.jpg", JPEG)]
    )
    note = services.message_post_with_files(
        agent,
        conversation_id=conversation.pk,
        body="内部：仓库截图",
        direction="note",
        uploads=[("wh.png", PNG)],
    )

    assert reply.body == "附件：面单.pdf, 照片.jpg" and reply.direction == "out"  # words, not an emoji
    rows = list(selectors.attachment_list(agent, conversation_id=conversation.pk))
    assert [(a.filename, a.message_id, a.internal) for a in rows] == [
        ("面单.pdf", reply.pk, False),
        ("照片.jpg", reply.pk, False),
        ("wh.png", note.pk, True),
    ]


def test_a_bad_file_rolls_back_the_whole_message(tenants: Tenants, conversation: Conversation) -> None:
    agent = tenants.scope("pa", "agent")
    with pytest.raises(Invalid):
        services.message_post_with_files(
            agent, conversation_id=conversation.pk, body="见附件", uploads=[("a.pdf", PDF), ("b.png", EXE)]
        )
    conversation.refresh_from_db()
    assert conversation.last_message_seq == 1
    assert not Attachment.objects.for_scope(agent).exists()


def test_attaching_to_a_message_of_another_conversation_is_refused(
    tenants: Tenants, conversation: Conversation
) -> None:
    agent = tenants.scope("pa", "agent")
    other = services.conversation_create(agent, channel="chat", client_id=tenants.ca1.pk, message="另一个")
    foreign = selectors.message_list(agent, conversation_id=other.pk)[0]
    with pytest.raises(Invalid) as caught:
        services.attachment_create(
            agent, conversation_id=conversation.pk, filename="a.pdf", content=PDF, message_id=foreign.pk
        )
    assert caught.value.field == "message_id"


def test_download_is_logged_and_other_tenants_get_404(tenants: Tenants, conversation: Conversation) -> None:
    attachment = services.attachment_create(
        tenants.scope("pa", "agent"), conversation_id=conversation.pk, filename="a.pdf", content=PDF
    )
    viewer = tenants.scope("ca1", "client_viewer")
    _row, handle = services.attachment_open(viewer, attachment_id=attachment.pk, ip_address="10.0.0.9")
    assert handle.read() == PDF
    handle.close()
    entry = AccessLogEntry.all_tenants.get(resource_type="attachment")
    assert (entry.resource_id, entry.client_id, entry.actor_id, entry.fields, entry.ip_address) == (
        str(attachment.pk),
        tenants.ca1.pk,
        tenants.user("ca1", "client_viewer").pk,
        "a.pdf",
        "10.0.0.9",
    )
    for org, role in (("pb", "supervisor"), ("cb", "client_admin"), ("ca2", "client_admin")):
        with pytest.raises(NotFound):
            services.attachment_open(tenants.scope(org, role), attachment_id=attachment.pk)
    assert AccessLogEntry.all_tenants.filter(resource_type="attachment").count() == 1


# --- API and pages ---------------------------------------------------------------------------
def test_api_upload_list_and_download(tenants: Tenants, conversation: Conversation) -> None:
    api = Api(tenants, "pa", "agent")
    url = f"/api/conversations/{conversation.pk}/attachments"

    created = api.client.post(
        url, {"file": SimpleUploadedFile("面单.jpg", JPEG, content_type="text/plain")}, **api.auth
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["filename"], body["content_type"], body["size"], body["internal"]) == (
        "面单.jpg",
        "image/jpeg",
        len(JPEG),
        True,
    )
    assert [a["id"] for a in api.get(url).json()] == [body["id"]]

    download = api.client.get(f"/api/attachments/{body['id']}/content", **api.auth)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == JPEG
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert (
        AccessLogEntry.all_tenants.filter(resource_type="attachment", resource_id=str(body["id"])).count()
        == 1
    )

    other = Api(tenants, "pb", "supervisor")
    assert other.client.get(f"/api/attachments/{body['id']}/content", **other.auth).status_code == 404
    assert other.client.get(f"/api/attachments/{body['id']}", **other.auth).status_code == 404


def test_api_refuses_bad_uploads_with_4xx(
    tenants: Tenants, conversation: Conversation, settings: Any, in_english: None
) -> None:
    api = Api(tenants, "pa", "agent")
    url = f"/api/conversations/{conversation.pk}/attachments"
    renamed = api.client.post(url, {"file": SimpleUploadedFile("cat.png", EXE)}, **api.auth)
    assert renamed.status_code == 422
    assert renamed.json()["error"]["field"] == "file"
    assert "not accepted" in renamed.json()["error"]["message"]

    missing = api.client.post(url, {}, **api.auth)
    assert missing.status_code == 422 and missing.json()["error"]["message"] == "The file is empty."

    settings.KEFU_ATTACHMENT_MAX_BYTES = 1024
    big = api.client.post(url, {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)}, **api.auth)
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "too_large"
    assert not Attachment.objects.for_scope(tenants.scope("pa", "agent")).exists()


def test_reply_box_sends_files_and_the_thread_shows_chips(
    tenants: Tenants, conversation: Conversation
) -> None:
    client = tenants.client_for("pa", "agent")
    response = client.post(
        f"/desk/c/{conversation.pk}/reply/",
        {"body": "", "kind": "out", "files": [SimpleUploadedFile("面单.pdf", PDF)]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204

    attachment = Attachment.objects.for_scope(tenants.scope("pa", "agent")).get()
    for viewer in (client, tenants.client_for("ca1", "client_viewer")):
        page = viewer.get(f"/desk/c/{conversation.pk}/").content.decode()
        assert re.search(rf'href="/desk/files/{attachment.pk}/"[^>]*><svg[^>]*>.*?</svg>\s*面单.pdf', page)
    download = tenants.client_for("ca1", "client_viewer").get(f"/desk/files/{attachment.pk}/")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert tenants.client_for("pb", "supervisor").get(f"/desk/files/{attachment.pk}/").status_code == 404

    refused = client.post(
        f"/desk/c/{conversation.pk}/reply/",
        {"body": "看这个", "kind": "out", "files": [SimpleUploadedFile("x.png", EXE)]},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert Attachment.objects.for_scope(tenants.scope("pa", "agent")).count() == 1
