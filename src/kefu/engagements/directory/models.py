"""A provider's directory profile (one per provider; a provider row without a client)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class ProviderListing(TenantModel):
    """What a provider shows clients it does not serve yet. Only a listed profile is seen by
    clients, and only a listed provider can be invited to quote by a client it does not serve."""

    summary = models.TextField(_("about us"), blank=True)
    services = models.JSONField(_("services"), default=list)  # intake business types
    channels = models.JSONField(_("channels"), default=list)  # intake channels
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    qualifications = models.TextField(_("qualifications and certifications"), blank=True)
    references = models.TextField(_("references"), blank=True)
    security = models.TextField(_("data-security posture"), blank=True)
    listed = models.BooleanField(_("listed in the directory"), default=False)
    listed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["provider__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"], condition=models.Q(client__isnull=True), name="listing_one_per_provider"
            )
        ]

    def __str__(self) -> str:
        return str(self.provider)
