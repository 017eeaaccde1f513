"""`{{ event|audit_line }}`: an audit record as a sentence with readable details."""

from __future__ import annotations

from typing import Any

from django import template

from kefu.tenancy import audit_sentences

register = template.Library()


@register.filter
def audit_line(event: Any) -> audit_sentences.AuditLine:
    return audit_sentences.line(event)
