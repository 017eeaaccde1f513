"""Reading and writing emails, without Django: the pure core of the email channel.

`parse` turns raw RFC 822 bytes into what the desk needs: who wrote, the subject, the
threading headers, the text of the reply (HTML converted to text, quoted history cut
off) and the list of attachments. `compose_reply` builds an agent's answer with the
threading headers mail clients group by. docs/email.md describes the rules.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid
from html.parser import HTMLParser

MAX_REFERENCES = 20
# Attachment types agents should not open: listed, flagged, never stored or served.
BLOCKED_EXTENSIONS = frozenset(
    {
        "exe", "com", "bat", "cmd", "scr", "pif", "msi", "js", "jse", "vbs", "vbe", "wsf", "wsh",
        "ps1", "jar", "hta", "cpl", "lnk", "reg", "dll", "iso",
    }
)  # fmt: skip
# Mail clients label GBK (and GB 18030) text as gb2312; gb18030 reads all three.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
}
_MSGID = re.compile(r"<[^<>\s]{1,900}>")
_TOKEN = re.compile(r"\[#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)


class MailParseError(ValueError):
    """The bytes are not an email Kefu can take in (no sender, no text, not a message)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    blocked: bool
    content: bytes = field(default=b"", repr=False, compare=False)  # kept by the desk if it accepts it

    def as_dict(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "blocked": self.blocked,
        }


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_name: str
    from_address: str
    text: str  # the whole text part (or the HTML part as text)
    reply: str  # `text` without the quoted earlier messages
    from_html: bool
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    auto_submitted: bool = False

    @property
    def quoted_removed(self) -> bool:
        return self.reply != self.text

    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, the most telling first: In-Reply-To, then the
        References from the newest back."""
        seen: dict[str, None] = {}
        for message_id in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(message_id, None)
        return list(seen)


# --- headers ---------------------------------------------------------------------------------
def _charset(name: str | None) -> str:
    name = (name or "utf-8").strip().lower()
    return CHARSET_ALIASES.get(name, name)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(_charset(charset), errors="replace")
    except LookupError:  # an unknown charset name
        return data.decode("utf-8", errors="replace")


def decode_words(raw: str) -> str:
    """A header value with RFC 2047 encoded words decoded, GBK-labelled-as-GB2312 included;
    raw 8-bit headers (UTF-8, or GBK from older clients) are read too."""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        data = raw.encode("ascii", errors="surrogateescape")
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raw = data.decode("gb18030", errors="replace")
    try:
        parts = decode_header(raw)
    except Exception:  # a malformed encoded word: show it as it came
        return " ".join(raw.split())
    text = "".join(
        _decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in parts
    )
    return " ".join(text.split())


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def message_ids(value: str | None) -> tuple[str, ...]:
    """The `<id@host>` tokens of a Message-ID, In-Reply-To or References header."""
    return tuple(dict.fromkeys(_MSGID.findall(value or "")))


def message_key(message_id: str) -> str:
    """A fixed-length key of a Message-ID for indexed lookups (ids may be long)."""
    return hashlib.sha256(message_id.strip().encode("utf-8", errors="replace")).hexdigest()


def _sender(message: Message) -> tuple[str, str]:
    raw = _raw_header(message, "From") or ""
    decoded = decode_words(raw)
    for name, address in getaddresses([decoded]):
        if "@" in address and " " not in address.strip():
            return name.strip().strip('"'), address.strip()
    raise MailParseError("The email has no sender address (From).")


# --- bodies ----------------------------------------------------------------------------------
class _TextFromHtml(HTMLParser):
    """Visible text of an HTML mail: scripts, styles and the head dropped, blocks on lines."""

    BLOCKS = frozenset(
        {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"}
    )
    HIDDEN = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "blockquote":
            self.quote_depth += 1
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag == "blockquote":
            self.quote_depth = max(self.quote_depth - 1, 0)
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        text = re.sub(r"\s+", " ", data)
        if self.quote_depth and text.strip():
            text = "> " + text.strip()  # a quoted block becomes ordinary > quoting
        self.parts.append(text)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body; markup is dropped, never rendered."""
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; anything it still rejects is not text we can use
        return ""
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return _tidy("\n".join(lines))


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


_QUOTE_HEADERS = [
    re.compile(r"^\s*On .{1,300}wrote:\s*$", re.IGNORECASE | re.DOTALL),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^\s*(在|于).{1,300}写道\s*[:：]\s*$", re.DOTALL),  # the same in Chinese
    re.compile(r"^\s*-{2,}\s*(Original Message|原始邮件|Forwarded message|转发的邮件)\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above the quoted headers
]
_HEADER_BLOCK = re.compile(r"^\s*(From|发件人)\s*[:：]", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*(Sent|Date|To|Subject|发送时间|日期|收件人|主题)\s*[:：]", re.IGNORECASE)


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything from the first quote header ("On … wrote:", "在 …
    写道：", "-----Original Message-----", an Outlook From:/Sent: block) or the first run of
    `>` lines that runs to the end is cut. If nothing would be left, the text is kept."""
    lines = text.split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        joined = line + ("\n" + lines[index + 1] if index + 1 < len(lines) else "")
        if any(p.match(line) for p in _QUOTE_HEADERS) or any(p.match(joined) for p in _QUOTE_HEADERS[:2]):
            cut = index
            break
        if _HEADER_BLOCK.match(line) and index + 1 < len(lines) and _HEADER_NEXT.match(lines[index + 1]):
            cut = index
            break
    kept = lines[:cut]
    while kept and (kept[-1].startswith(">") or not kept[-1].strip()):
        kept.pop()
    result = _tidy("\n".join(kept))
    return result or _tidy(text)


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _decode_bytes(payload, part.get_content_charset())


def _filename(part: Message) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if raw is None:
        return ""
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _language, value = raw
        return _decode_bytes(value.encode("latin-1", errors="replace"), charset)
    return decode_words(str(raw))


def _attachment(part: Message) -> Attachment:
    name = _filename(part) or "attachment"
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else 0
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return Attachment(
        filename=name[:255],
        content_type=part.get_content_type(),
        size=size,
        blocked=extension in BLOCKED_EXTENSIONS,
        content=payload if isinstance(payload, bytes) else b"",
    )


def _walk(message: Message) -> tuple[str, str, list[Attachment]]:
    """The first text/plain and text/html bodies and the attachments of a message."""
    plain = html = ""
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        kind = part.get_content_type()
        if disposition == "attachment" or (disposition == "inline" and _filename(part)):
            attachments.append(_attachment(part))
        elif kind == "text/plain" and not plain:
            plain = _text_of(part)
        elif kind == "text/html" and not html:
            html = _text_of(part)
        elif not kind.startswith(("text/", "multipart/")) and kind != "message/delivery-status":
            attachments.append(_attachment(part))
    return plain, html, attachments


def parse(raw: bytes) -> ParsedMail:
    """Read one email; `MailParseError` when it has no sender or nothing to read."""
    if not raw or not raw.strip():
        raise MailParseError("The email is empty.")
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is bytes that are no email at all
        raise MailParseError("This is not an email.") from exc
    if not message.keys():
        raise MailParseError("This is not an email: it has no headers.")
    from_name, from_address = _sender(message)
    plain, html, attachments = _walk(message)
    text, from_html = _tidy(plain), False
    if not text and html:
        text, from_html = html_to_text(html), True
    if not text and not attachments:
        raise MailParseError("The email has neither text nor attachments.")
    ids = message_ids(_raw_header(message, "Message-ID"))
    message_id = ids[0] if ids else f"<{hashlib.sha256(raw).hexdigest()[:40]}@kefu.invalid>"
    auto = (_raw_header(message, "Auto-Submitted") or "no").strip().lower() != "no"
    return ParsedMail(
        message_id=message_id,
        in_reply_to=message_ids(_raw_header(message, "In-Reply-To")),
        references=message_ids(_raw_header(message, "References"))[-MAX_REFERENCES:],
        subject=decode_words(_raw_header(message, "Subject") or ""),
        from_name=from_name,
        from_address=from_address,
        text=text,
        reply=strip_quoted(text) if text else "",
        from_html=from_html,
        attachments=tuple(attachments),
        auto_submitted=auto,
    )


# --- threading -------------------------------------------------------------------------------
def subject_token(subject: str) -> int | None:
    """The conversation number of a `[#123]` token in a subject (the last one wins)."""
    found = _TOKEN.findall(subject or "")
    return int(found[-1]) if found else None


def base_subject(subject: str) -> str:
    """A subject without reply prefixes (Re:, 回复：…) and conversation tokens."""
    subject = _TOKEN.sub("", subject or "")
    return " ".join(_REPLY_PREFIX.sub("", subject).split())


def reply_subject(subject: str, conversation_id: int) -> str:
    """`Re: <subject> [#<conversation id>]`: the token threads replies whose headers got lost."""
    base = base_subject(subject)
    return f"Re: {base} [#{conversation_id}]" if base else f"Re: [#{conversation_id}]"


def new_message_id(address: str) -> str:
    domain = address.rpartition("@")[2] or "kefu.invalid"
    return make_msgid(domain=domain)


def reply_references(parent_id: str, parent_references: list[str] | tuple[str, ...]) -> list[str]:
    """RFC 5322: the parent's References (or its In-Reply-To) followed by the parent's id."""
    chain = [r for r in parent_references if r != parent_id]
    return [*chain, parent_id][-MAX_REFERENCES:] if parent_id else list(chain)[-MAX_REFERENCES:]


def compose_reply(
    *,
    from_name: str,
    from_address: str,
    to_address: str,
    subject: str,
    body: str,
    message_id: str,
    in_reply_to: str,
    references: list[str],
    date: datetime,
) -> EmailMessage:
    """An agent's answer as a text/plain UTF-8 email with the threading headers."""
    message = EmailMessage(policy=policy.SMTP)
    username, _sep, domain = from_address.rpartition("@")
    message["From"] = Address(display_name=from_name, username=username, domain=domain)
    to_user, _sep, to_domain = to_address.rpartition("@")
    message["To"] = Address(username=to_user, domain=to_domain)
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    message.set_content(body)
    return message
