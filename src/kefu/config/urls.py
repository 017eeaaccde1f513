from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from kefu.config.api import api
from kefu.quality.surveys import views as survey_views
from kefu.tenancy import views as tenancy_views
from kefu.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("favicon.ico", web_views.favicon, name="favicon"),
    path("login/", tenancy_views.LoginView.as_view(), name="login"),
    path("logout/", tenancy_views.logout_view, name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(template_name="tenancy/password_reset.html"),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="tenancy/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="tenancy/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="tenancy/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("account/", tenancy_views.account, name="account"),
    path("account/tokens/<int:token_id>/revoke/", tenancy_views.api_token_revoke, name="api_token_revoke"),
    path("account/mfa/setup/", tenancy_views.mfa_setup, name="mfa_setup"),
    path("account/mfa/verify/", tenancy_views.mfa_verify, name="mfa_verify"),
    path("organization/switch/", tenancy_views.switch_organization, name="switch_organization"),
    path("settings/members/", tenancy_views.members, name="members"),
    path("settings/members/<int:membership_id>/", tenancy_views.member_edit, name="member_edit"),
    path("settings/security/", tenancy_views.security, name="security"),
    path("audit/", tenancy_views.audit_log, name="audit_log"),
    path("access-log/", tenancy_views.access_log, name="access_log"),
    path("workforce/", include("kefu.workforce.urls")),
    path("desk/", include("kefu.desk.urls")),
    path("knowledge/", include("kefu.knowledge.urls")),
    path("routing/", include("kefu.routing.urls")),
    path("floor/", include("kefu.floor.urls")),
    path("engagements/", include("kefu.engagements.urls")),
    path("widget/", include("kefu.connectors.urls")),
    path("connectors/", include("kefu.connectors.cti_urls")),
    path("analytics/event-log/", include("kefu.analytics.event_log_urls")),
    path("analytics/dashboards/", include("kefu.analytics.dashboard_urls")),
    path("analytics/", include("kefu.analytics.urls")),
    path("quality/autoqa/", include("kefu.quality.autoqa_urls")),
    path("quality/calibration/", include("kefu.quality.calibration.urls")),
    path("quality/coaching/", include("kefu.quality.coaching.urls")),
    path("reports/", include("kefu.reports.urls")),
    path("kpi-review/", include("kefu.reports.review_urls")),
    path("quality/complaints/", include("kefu.quality.complaints.urls")),
    path("quality/surveys/", include("kefu.quality.surveys.urls")),
    path("quality/", include("kefu.quality.reviews.urls")),
    path("s/<str:token>/", survey_views.survey_answer, name="survey_answer"),  # a survey's signed link
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
]
