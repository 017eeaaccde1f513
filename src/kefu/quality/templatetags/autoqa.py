"""`{% autoqa_panel conversation_id %}`: where the desk's side panel loads the Auto-QA panel.

Renders nothing for someone who may not read auto-QA, so the desk needs no quality permission."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from kefu.quality.autoqa_permissions import AutoQaPerm

register = template.Library()


@register.simple_tag(takes_context=True)
def autoqa_panel(context: Any, conversation_id: int) -> str:
    request = context.get("request")
    access = getattr(request, "access", None)
    if access is None or not access.has(AutoQaPerm.VIEW):
        return ""
    return render_to_string(
        "quality/_autoqa_loader.html", {"conversation_id": conversation_id}, request=request
    )
