from django.urls import path

from kefu.reports import views

urlpatterns = [
    path("", views.archive, name="reports_archive"),
    path("recipients/", views.recipients, name="reports_recipients"),
    path("recipients/<int:recipient_id>/remove/", views.recipient_remove, name="reports_recipient_remove"),
    path("<int:report_id>/", views.detail, name="reports_detail"),
    path("<int:report_id>/send/", views.send, name="reports_send"),
    path("<int:report_id>/export/", views.export, name="reports_export"),
    path("calibration/<int:session_id>/export/", views.calibration_export, name="reports_calibration_export"),
]
