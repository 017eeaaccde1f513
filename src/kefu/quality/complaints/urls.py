from django.urls import path

from kefu.quality.complaints import views

urlpatterns = [
    path("", views.complaint_list, name="quality_complaints"),
    path("new/", views.complaint_new, name="quality_complaint_new"),
    path("trend/", views.complaint_trend, name="quality_complaint_trend"),
    path("categories/", views.category_list, name="quality_complaint_categories"),
    path("<int:complaint_id>/", views.complaint_detail, name="quality_complaint"),
]
