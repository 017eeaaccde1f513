from django.urls import path

from kefu.quality.calibration import views

urlpatterns = [
    path("", views.session_list, name="quality_calibrations"),
    path("new/", views.session_new, name="quality_calibration_new"),
    path("<int:session_id>/", views.session_detail, name="quality_calibration"),
    path(
        "<int:session_id>/conversations/<int:conversation_id>/",
        views.sheet,
        name="quality_calibration_sheet",
    ),
    path("<int:session_id>/report/", views.report, name="quality_calibration_report"),
]
