from django.urls import path

from kefu.quality.reviews import views

urlpatterns = [
    path("reviews/", views.review_list, name="quality_reviews"),
    path("reviews/next/", views.review_next, name="quality_review_next"),
    path("reviews/<int:review_id>/", views.review_detail, name="quality_review"),
    path("scorecards/", views.scorecard_list, name="quality_scorecards"),
    path("scorecards/<int:scorecard_id>/", views.scorecard_detail, name="quality_scorecard"),
    path("sampling/", views.sampling, name="quality_sampling"),
    path("appeals/", views.appeal_list, name="quality_appeals"),
    path("appeals/<int:appeal_id>/", views.appeal_detail, name="quality_appeal"),
]
