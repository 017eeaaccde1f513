"""Bodies of the provider directory API. Names start with `Directory` so they never share an
OpenAPI component with another app's schema."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class DirectoryListingIn(Schema):
    listed: bool = False
    summary: str = Field("", max_length=2000)
    services: list[str] = Field(default_factory=list, description="Intake business types.")
    channels: list[str] = Field(default_factory=list, description="chat, phone, email")
    languages: str = Field("", max_length=200)
    qualifications: str = Field("", max_length=2000)
    references: str = Field("", max_length=2000)
    security: str = Field("", max_length=2000)


class DirectoryListingOut(Schema):
    provider_id: int
    provider_name: str = Field(..., alias="provider.name")
    listed: bool
    summary: str
    services: list[str]
    channels: list[str]
    languages: str
    qualifications: str
    references: str
    security: str
    updated_at: datetime
