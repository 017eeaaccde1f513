"""What an uploaded file really is, from its content: a pure core with no Django imports.

The uploader's content type and file name are not trusted. The content's magic bytes
decide the type; the name's extension must agree with it (a `.exe` renamed `.png` is
refused because it is not a PNG). Allowed: images (JPEG, PNG, GIF, WebP), PDF, plain text
and CSV (UTF-8 or GB18030, as Excel exports them in China), and Office documents without
macros (XLSX, DOCX). Plain ZIP archives and everything else are refused: an archive can
carry anything, and agents open these files on their own machines.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

__all__ = ["ALLOWED", "FileKind", "NameMismatch", "UnknownType", "sanitize_filename", "sniff"]


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]  # the first one is added to a name that has none
    label: str


ALLOWED: dict[str, FileKind] = {
    kind.content_type: kind
    for kind in (
        FileKind("image/jpeg", (".jpg", ".jpeg"), "JPEG"),
        FileKind("image/png", (".png",), "PNG"),
        FileKind("image/gif", (".gif",), "GIF"),
        FileKind("image/webp", (".webp",), "WebP"),
        FileKind("application/pdf", (".pdf",), "PDF"),
        FileKind("text/plain", (".txt", ".log"), "text"),
        FileKind("text/csv", (".csv",), "CSV"),
        FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "XLSX"),
        FileKind(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "DOCX"
        ),
    )
}
TEXT_TYPES = ("text/plain", "text/csv")


class UnknownType(ValueError):
    """The content is none of the allowed types."""


class NameMismatch(ValueError):
    """The content is an allowed type, but the name's extension says another."""

    def __init__(self, kind: FileKind, extension: str) -> None:
        super().__init__(f"{extension} is not {kind.label}")
        self.kind = kind
        self.extension = extension


_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
)
_ZIP = b"PK\x03\x04"
_MAX_ZIP_MEMBERS = 10_000


def _office_type(content: bytes) -> str | None:
    """XLSX or DOCX: a ZIP with the OOXML manifest and its main part, and no macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if len(names) > _MAX_ZIP_MEMBERS or "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # macro-enabled (xlsm/docm) in disguise
    if "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _is_text(content: bytes) -> bool:
    """UTF-8 (with or without BOM) or GB18030 text without control characters."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not _CONTROL.search(text)
    return False


def _extension(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def sniff(content: bytes, filename: str) -> FileKind:
    """The allowed kind of `content` (raises UnknownType or NameMismatch).

    Binary kinds come from magic bytes alone. Text has none, so a file is text or CSV only
    when it decodes cleanly and its name ends in one of their extensions (or has none).
    """
    extension = _extension(filename)
    found: str | None = None
    for magic, offset, content_type in _SIGNATURES:
        if content[offset : offset + len(magic)] == magic:
            found = content_type
            break
    if found is None and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        found = "image/webp"
    if found is None and content[:4] == _ZIP:
        found = _office_type(content)
        if found is None:
            raise UnknownType("archive")
    if found is None:
        if extension not in ("", ".txt", ".log", ".csv") or not content or not _is_text(content):
            raise UnknownType(extension or "unknown")
        found = "text/csv" if extension == ".csv" else "text/plain"
    kind = ALLOWED[found]
    if extension and extension not in kind.extensions:
        raise NameMismatch(kind, extension)
    return kind


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_NAME = 120


def sanitize_filename(filename: str, kind: FileKind) -> str:
    """A name safe to show and to put in Content-Disposition: no directories, no control or
    reserved characters, no leading dots, at most MAX_NAME characters, the kind's extension."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    extension = _extension(name)
    if extension not in kind.extensions:
        extension = kind.extensions[0]
    stem = name[: -len(extension)] if name.lower().endswith(extension) else name
    stem = stem.rstrip(". ") or "attachment"
    return stem[: MAX_NAME - len(extension)] + extension
