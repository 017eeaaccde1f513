"""Files of conversations: the checks every upload passes (size, sniffed type), storing them,
messages with files, and the logged download."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound
from kefu.core.scope import Scope
from kefu.desk import files, selectors
from kefu.desk.models import Attachment, Conversation, Direction, Message, Status
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _publish, _require_write
from kefu.desk.services.messages import message_post
from kefu.tenancy import services as tenancy_services

DEFAULT_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
MAX_FILES_PER_MESSAGE = 10
FileContent = bytes | IO[bytes]


def attachment_max_bytes() -> int:
    """`KEFU_ATTACHMENT_MAX_BYTES` (setting or environment), 20 MB by default."""
    return int(getattr(settings, "KEFU_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):g} MB"


class FileTooLarge(Invalid):
    """Over the size limit: the API answers 413."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str


def attachment_check(*, filename: str, content: FileContent) -> CheckedFile:
    """Size, type by magic bytes, extension agreeing with it, a safe name; raises Invalid."""
    limit = attachment_max_bytes()
    too_large = FileTooLarge(
        _("The file is larger than %(limit)s; send a smaller one.") % {"limit": _megabytes(limit)},
        field="file",
    )
    if isinstance(content, bytes | bytearray):
        data = bytes(content)
    else:
        if (getattr(content, "size", None) or 0) > limit:
            raise too_large
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data:
        raise Invalid(_("The file is empty."), field="file")
    try:
        kind = files.sniff(data, filename or "")
    except files.NameMismatch as error:
        raise Invalid(
            _("The file's content is %(kind)s but its name ends in %(extension)s; it was not accepted.")
            % {"kind": error.kind.label, "extension": error.extension},
            field="file",
        ) from None
    except files.UnknownType:
        raise Invalid(
            _(
                "This type of file is not accepted. Send images (JPEG, PNG, GIF, WebP), PDF, "
                "text or CSV, or Excel/Word documents (XLSX, DOCX)."
            ),
            field="file",
        ) from None
    return CheckedFile(
        filename=files.sanitize_filename(filename, kind),
        content_type=kind.content_type,
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _attachment_store(
    scope: Scope, conversation: Conversation, checked: CheckedFile, message: Message | None
) -> Attachment:
    now = clock.now()
    name = default_storage.save(
        f"attachments/{conversation.client_id or 0}/{now:%Y/%m}/{uuid.uuid4().hex}",
        ContentFile(checked.content),
    )
    try:
        return Attachment.objects.create(
            provider_id=conversation.provider_id,
            client_id=conversation.client_id,
            conversation=conversation,
            message=message,
            uploaded_by_id=None
            if message is not None and message.direction == Direction.IN
            else scope.user_id,
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
            storage_name=name,
            created_at=now,
        )
    except Exception:
        default_storage.delete(name)
        raise


@transaction.atomic
def attachment_create(
    scope: Scope,
    *,
    conversation_id: int,
    filename: str,
    content: FileContent,
    message_id: int | None = None,
) -> Attachment:
    """Store a file of a conversation, optionally on one of its messages (an attachment of
    an internal note stays internal). Checked by `attachment_check`; staff writes need write
    access to the conversation, files of the customer's own messages are always taken in."""
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    message = None
    if message_id is not None:
        message = conversation.messages.filter(pk=message_id).first()
        if message is None:
            raise Invalid(_("This message is not part of this conversation."), field="message_id")
    if message is None or message.direction != Direction.IN:
        _require_write(scope, conversation)
    if conversation.status == Status.CLOSED and (message is None or message.direction != Direction.NOTE):
        raise Conflict(_("This conversation is closed; start a new one."))
    checked = attachment_check(filename=filename, content=content)
    attachment = _attachment_store(scope, conversation, checked, message)
    _publish(conversation, "conversation.updated")
    return attachment


@transaction.atomic
def message_post_with_files(
    scope: Scope,
    *,
    conversation_id: int,
    body: str,
    direction: str = Direction.OUT,
    uploads: list[tuple[str, FileContent]] | None = None,
) -> Message:
    """A message with files (the workspace's reply box): every file is checked before anything
    is written, and a message of files only gets their names as its text."""
    uploads = uploads or []
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise Invalid(
            _("At most %(count)d files per message.") % {"count": MAX_FILES_PER_MESSAGE}, field="file"
        )
    checked = [attachment_check(filename=name, content=content) for name, content in uploads]
    if checked and not (body or "").strip():
        body = _("Files: %(names)s") % {"names": ", ".join(c.filename for c in checked)}
    message = message_post(scope, conversation_id=conversation_id, body=body, direction=direction)
    conversation = message.conversation
    stored: list[Attachment] = []
    try:
        for item in checked:
            stored.append(_attachment_store(scope, conversation, item, message))
    except Exception:
        for row in stored:
            default_storage.delete(row.storage_name)
        raise
    return message


@transaction.atomic
def attachment_open(
    scope: Scope, *, attachment_id: int, ip_address: str | None = None
) -> tuple[Attachment, IO[bytes]]:
    """The stored file for download; every download lands in the client's access log."""
    attachment = selectors.attachment_get(scope, attachment_id=attachment_id)
    try:
        handle = default_storage.open(attachment.storage_name, "rb")
    except OSError:
        raise NotFound(_("This file is no longer stored.")) from None
    tenancy_services.access_record(
        scope,
        resource_type="attachment",
        resource_id=attachment.pk,
        client_id=attachment.client_id,
        fields=attachment.filename[:200],
        ip_address=ip_address,
    )
    return attachment, handle
