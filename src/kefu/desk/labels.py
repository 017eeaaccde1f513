"""Codes the desk stores and people read: each has its words here, translated (zh-Hans, en).

Resolution codes are suggestions (clients may type their own, shown as typed); tags the
system sets (`offline_form`) have a label, tags people type are their own words.
`tests/test_translations.py`-style checks iterate these tables (desk/tests/test_labels.py).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

RESOLUTION_CODES = (
    ("answered", _("Answered")),
    ("refunded", _("Refunded")),
    ("returned", _("Returned")),
    ("exchanged", _("Exchanged")),
    ("reshipped", _("Reshipped")),
    ("compensated", _("Compensated")),
    ("repaired", _("Repaired")),
    ("handed_to_client", _("Handed to the client")),
    ("no_reply", _("No reply from the customer")),
    ("duplicate", _("Duplicate")),
)
"""Suggested resolution codes (free text is accepted: clients use their own)."""

TAG_LABELS = {
    "offline_form": _("Offline form"),
}
"""Tags the system sets."""


def resolution_label(code: str) -> str:
    """A suggested resolution code in words; a client's own code as typed."""
    return str(dict(RESOLUTION_CODES).get(code, code))


def resolution_code_from_input(value: str) -> str:
    """What the agent typed or picked: a suggestion's words (in the current language) map
    back to its code, so the stored value stays stable across languages."""
    text = value.strip()
    for code, label in RESOLUTION_CODES:
        if text == str(label) or text == gettext(str(label)):
            return code
    return text


def tag_label(tag: str) -> str:
    return str(TAG_LABELS.get(tag, tag))


def local_datetime(value: str | None) -> str:
    """A date-time stored as ISO text (audit data) in local time, "2026-03-02 09:00"; a dash
    when there was none, the text as stored when it is not a date-time."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "Y-m-d H:i")
