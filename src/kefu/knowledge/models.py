"""Quick phrases (快捷短语): canned replies per client, with a shortcut key and variables."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel

MAX_BODY_LENGTH = 2_000


class QuickPhrase(TenantModel):
    """A reply an agent inserts by typing `/shortcut` or picking it from the list.

    `client` is always set (phrases speak for one brand). `provider` empty: the client's
    own phrase, shared with every provider serving it; `provider` set: the provider's
    phrase for that client, which only that provider (and the client) see.
    Shortcuts are unique per owner and client; a provider's phrase wins over the
    client's own with the same shortcut when a provider agent expands it.
    """

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    shortcut = models.CharField(_("shortcut"), max_length=20, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["category", "shortcut", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "shortcut"],
                condition=Q(provider__isnull=True) & ~Q(shortcut=""),
                name="quickphrase_unique_client_shortcut",
            ),
            models.UniqueConstraint(
                fields=["provider", "client", "shortcut"],
                condition=Q(provider__isnull=False) & ~Q(shortcut=""),
                name="quickphrase_unique_provider_client_shortcut",
            ),
        ]
        indexes = [models.Index(fields=["client", "provider"], name="quickphrase_tenant")]

    def __str__(self) -> str:
        return f"/{self.shortcut} {self.title}" if self.shortcut else self.title
