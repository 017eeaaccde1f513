from django.urls import path

from kefu.engagements.onboarding import views

urlpatterns = [
    path("", views.engagement_list, name="onboarding"),
    path("<int:engagement_id>/", views.engagement_detail, name="onboarding_detail"),
    path("<int:engagement_id>/phrases/", views.phrases_import, name="onboarding_phrases"),
    path("<int:engagement_id>/risks/", views.risk_register, name="onboarding_risks"),
    path("items/<int:checklist_item_id>/", views.item_edit, name="onboarding_item"),
    path("phases/<int:phase_id>/", views.phase_action, name="onboarding_phase"),
    path("risks/<int:risk_id>/", views.risk_edit, name="onboarding_risk"),
    path("diligence/<int:diligence_id>/", views.diligence_edit, name="onboarding_diligence"),
]
