"""The engagement pages, one include per sub-package."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("quotes/", include("kefu.engagements.quoting.urls")),
    path("directory/", include("kefu.engagements.directory.urls")),
    path("contracts/", include("kefu.engagements.contracts.urls")),
    path("onboarding/", include("kefu.engagements.onboarding.urls")),
    path("reviews/", include("kefu.engagements.reviews.urls")),
    path("invoices/", include("kefu.engagements.billing.urls")),
    path("sales-statements/", include("kefu.engagements.billing.statement_urls")),
]
