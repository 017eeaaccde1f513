"""The engagement pages, one include per sub-package."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("onboarding/", include("kefu.engagements.onboarding.urls")),
]
