from django.urls import path

from kefu.routing import views

urlpatterns = [
    path("queues/", views.queue_list, name="routing_queues"),
    path("queues/<int:queue_id>/", views.queue_detail, name="routing_queue"),
    path("presence/", views.presence_switch, name="routing_presence"),
    path("queues/<int:queue_id>/shares/", views.queue_shares, name="routing_queue_shares"),
    path("queues/<int:queue_id>/split/", views.queue_split, name="routing_queue_split"),
    path("skills/", views.skill_grid, name="routing_skill_grid"),
    path("skills/manage/", views.skill_list, name="routing_skills"),
    path("skills/<int:skill_id>/", views.skill_edit, name="routing_skill_edit"),
    path("certifications/", views.certification_list, name="routing_certifications"),
    path(
        "certifications/<int:certification_id>/revoke/",
        views.certification_revoke,
        name="routing_certification_revoke",
    ),
]
