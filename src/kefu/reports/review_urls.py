"""The month's KPI review as a page of its own in the navigation (beside the archive)."""

from django.urls import path

from kefu.reports import views

urlpatterns = [
    path("", views.monthly, name="reports_monthly"),
]
