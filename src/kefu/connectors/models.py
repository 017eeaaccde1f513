"""Channel adapters' data; so far the web chat widget of a client and its visitors."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class WidgetConfig(TenantModel):
    """One embeddable chat widget of a client.

    `client` is the brand whose site embeds it; `provider` the serving provider whose
    agents receive the chats (empty when the client answers its own chats). The public
    `widget_key` is in the page source, so it identifies and never authorises: the
    allowed origins and the rate limits guard it, and rotating it retires old embeds.
    """

    widget_key = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    greeting = models.CharField(_("greeting"), max_length=500, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    satisfaction_prompt = models.BooleanField(_("ask for satisfaction at the end"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "id"]

    def __str__(self) -> str:
        return f"widget #{self.pk} ({self.name or self.client_id})"


class WidgetVisitor(TenantModel):
    """An end customer's browser, known by the random id in its signed visitor token.

    Created at the first message, so page views without a chat leave no row. Points at
    the conversation the widget shows (the latest one; a closed one is followed by a new).
    """

    widget = models.ForeignKey(WidgetConfig, on_delete=models.CASCADE, related_name="visitors")
    visitor_id = models.CharField(max_length=64)
    customer = models.ForeignKey("desk.Customer", on_delete=models.SET_NULL, null=True, related_name="+")
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["widget", "visitor_id"], name="widget_visitor_unique")]

    def __str__(self) -> str:
        return f"visitor {self.visitor_id[:8]} of widget #{self.widget_id}"
