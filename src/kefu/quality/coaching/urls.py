from django.urls import path

from kefu.quality.coaching import views

urlpatterns = [
    path("", views.task_list, name="quality_coaching"),
    path("new/", views.task_new, name="quality_coaching_new"),
    path("<int:task_id>/", views.task_detail, name="quality_coaching_task"),
]
