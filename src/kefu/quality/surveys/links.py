"""Signed survey links: the token carries the invitation's id and nonce, signed with the
project's secret (Django signing, its own salt) and time-stamped. The signature stops
tampering and guessing; expiry and single use are checked against the invitation row
(`services.survey_link_open`), so an answered or expired link is refused even when signed."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

SALT = "kefu.quality.survey-link"
MAX_AGE_S = 60 * 60 * 24 * 31  # no link lives longer, whatever a survey's setting


def make_token(invitation_id: int, nonce: str) -> str:
    return signing.dumps({"i": invitation_id, "n": nonce}, salt=SALT, compress=False)


def read_token(token: str) -> tuple[int, str] | None:
    """(invitation id, nonce), or None for a tampered, foreign or too old token."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_S)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict):
        return None
    invitation_id, nonce = data.get("i"), data.get("n")
    if not isinstance(invitation_id, int) or isinstance(invitation_id, bool) or not isinstance(nonce, str):
        return None
    return invitation_id, nonce


def link_path(token: str) -> str:
    return reverse("survey_answer", kwargs={"token": token})
