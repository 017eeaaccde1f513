"""The navigation each role sees: entries, order, labels (both languages) and active state.

Pinned before the shell stopped importing the apps' permissions (each app now declares its own
entries), so the move could not change what anybody sees.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.core.roles import Role
from kefu.core.scope import OrgKind
from kefu.testing.plugin import Tenants
from kefu.web.navigation import navigation_for

HOME = ("Home", "/")
DESK = ("Workspace", "/desk/")
CASES = ("After-sales cases", "/desk/cases/")
SLA = ("Service hours and SLA", "/desk/sla/")
QUEUES = ("Queues", "/routing/queues/")
SKILLS = ("Skills", "/routing/skills/")
CERTS = ("Certifications", "/routing/certifications/")
WALLBOARD = ("Wallboard", "/floor/wallboard/")
ALARMS = ("Floor alarms", "/floor/alarms/")
PLANS = ("Emergency plans", "/floor/plans/")
PHRASES = ("Quick phrases", "/knowledge/phrases/")
QUALITY = ("Quality reviews", "/quality/reviews/")
SURVEYS = ("Surveys", "/quality/surveys/")
COMPLAINTS = ("Complaints", "/quality/complaints/")
WIDGETS = ("Chat widgets", "/widget/")
CHANNELS = ("Channels", "/connectors/")
WORKFORCE = ("Workforce", "/workforce/")
MY_SCHEDULE = ("My schedule", "/workforce/my-schedule/")
AUTOQA = ("Auto-QA", "/quality/autoqa/")
CALIBRATION = ("Calibration", "/quality/calibration/")
COACHING = ("Coaching", "/quality/coaching/")
DASHBOARDS = ("Dashboards", "/analytics/dashboards/")
METRICS = ("Metric dictionary", "/analytics/metrics/")
MEMBERS = ("Members", "/settings/members/")
AUDIT = ("Audit log", "/audit/")
ACCESS = ("Access log", "/access-log/")
SECURITY = ("Security", "/settings/security/")
DIGESTS = ("Event log digests", "/analytics/event-log/")
REPORTS = ("Reports", "/reports/")
REVIEW = ("Monthly KPI review", "/kpi-review/")
CONTRACTS = ("Contracts", "/engagements/contracts/")
BUSINESS_REVIEWS = ("Business reviews", "/engagements/reviews/")
QUOTES = ("Quotes", "/engagements/quotes/")
ONBOARDING = ("Onboarding", "/engagements/onboarding/")
INVOICES = ("Invoices", "/engagements/invoices/")
ACCOUNT = ("My account", "/account/")

EXPECTED: dict[tuple[str, Role], list[tuple[str, str]]] = {
    ("pa", Role.PROVIDER_ADMIN): [
        HOME,
        DESK,
        CASES,
        SLA,
        WALLBOARD,
        ALARMS,
        PLANS,
        QUEUES,
        SKILLS,
        CERTS,
        PHRASES,
        QUALITY,
        SURVEYS,
        COMPLAINTS,
        COACHING,
        WIDGETS,
        CHANNELS,
        WORKFORCE,
        MY_SCHEDULE,
        AUTOQA,
        CALIBRATION,
        DASHBOARDS,
        METRICS,
        REPORTS,
        REVIEW,
        CONTRACTS,
        BUSINESS_REVIEWS,
        QUOTES,
        ONBOARDING,
        INVOICES,
        MEMBERS,
        AUDIT,
        ACCESS,
        SECURITY,
        DIGESTS,
        ACCOUNT,
    ],
    ("pa", Role.SUPERVISOR): [
        HOME,
        DESK,
        CASES,
        SLA,
        WALLBOARD,
        ALARMS,
        PLANS,
        QUEUES,
        SKILLS,
        CERTS,
        PHRASES,
        QUALITY,
        SURVEYS,
        COMPLAINTS,
        COACHING,
        WIDGETS,
        CHANNELS,
        WORKFORCE,
        MY_SCHEDULE,
        AUTOQA,
        CALIBRATION,
        DASHBOARDS,
        METRICS,
        REPORTS,
        REVIEW,
        ONBOARDING,
        MEMBERS,
        ACCOUNT,
    ],
    ("pa", Role.AGENT): [
        HOME,
        DESK,
        CASES,
        SLA,
        PHRASES,
        QUALITY,
        COACHING,
        MY_SCHEDULE,
        AUTOQA,
        DASHBOARDS,
        METRICS,
        ACCOUNT,
    ],
    ("pa", Role.QA_INSPECTOR): [
        HOME,
        DESK,
        CASES,
        SLA,
        PHRASES,
        QUALITY,
        SURVEYS,
        COMPLAINTS,
        COACHING,
        MY_SCHEDULE,
        AUTOQA,
        CALIBRATION,
        DASHBOARDS,
        METRICS,
        ONBOARDING,
        ACCOUNT,
    ],
    ("pa", Role.TRAINER): [HOME, CERTS, PHRASES, MY_SCHEDULE, AUTOQA, DASHBOARDS, METRICS, MEMBERS, ACCOUNT],
    ("pa", Role.WORKFORCE_PLANNER): [
        HOME,
        WALLBOARD,
        QUEUES,
        SKILLS,
        WORKFORCE,
        MY_SCHEDULE,
        DASHBOARDS,
        METRICS,
        MEMBERS,
        ACCOUNT,
    ],
    ("pa", Role.ACCOUNT_MANAGER): [
        HOME,
        DESK,
        CASES,
        SLA,
        WALLBOARD,
        QUEUES,
        PHRASES,
        QUALITY,
        SURVEYS,
        COMPLAINTS,
        WIDGETS,
        CHANNELS,
        WORKFORCE,
        MY_SCHEDULE,
        AUTOQA,
        DASHBOARDS,
        METRICS,
        REPORTS,
        REVIEW,
        CONTRACTS,
        BUSINESS_REVIEWS,
        QUOTES,
        ONBOARDING,
        INVOICES,
        MEMBERS,
        ACCOUNT,
    ],
    ("ca1", Role.CLIENT_ADMIN): [
        HOME,
        DESK,
        CASES,
        SLA,
        WALLBOARD,
        QUEUES,
        PHRASES,
        QUALITY,
        SURVEYS,
        COMPLAINTS,
        WIDGETS,
        CHANNELS,
        WORKFORCE,
        AUTOQA,
        CALIBRATION,
        DASHBOARDS,
        METRICS,
        REPORTS,
        REVIEW,
        CONTRACTS,
        BUSINESS_REVIEWS,
        QUOTES,
        ONBOARDING,
        INVOICES,
        MEMBERS,
        AUDIT,
        ACCESS,
        SECURITY,
        DIGESTS,
        ACCOUNT,
    ],
    ("ca1", Role.CLIENT_MANAGER): [
        HOME,
        DESK,
        CASES,
        SLA,
        WALLBOARD,
        QUEUES,
        PHRASES,
        QUALITY,
        SURVEYS,
        COMPLAINTS,
        WIDGETS,
        CHANNELS,
        WORKFORCE,
        AUTOQA,
        CALIBRATION,
        DASHBOARDS,
        METRICS,
        REPORTS,
        REVIEW,
        CONTRACTS,
        BUSINESS_REVIEWS,
        QUOTES,
        ONBOARDING,
        INVOICES,
        MEMBERS,
        ACCESS,
        DIGESTS,
        ACCOUNT,
    ],
    ("ca1", Role.CLIENT_L2): [HOME, DESK, CASES, SLA, PHRASES, DASHBOARDS, METRICS, ACCOUNT],
    ("ca1", Role.CLIENT_VIEWER): [
        HOME,
        DESK,
        CASES,
        SLA,
        PHRASES,
        QUALITY,
        COMPLAINTS,
        DASHBOARDS,
        METRICS,
        REPORTS,
        REVIEW,
        ONBOARDING,
        ACCOUNT,
    ],
}

# Which links are highlighted on a page (among those the role sees): the home link only on "/",
# any other link on every page under its URL.
ACTIVE_ON: dict[str, set[str]] = {
    "/": {"/"},
    "/desk/": {"/desk/"},
    "/desk/conversations/7/": {"/desk/"},
    "/desk/cases/3/": {"/desk/", "/desk/cases/"},
    "/workforce/schedules/": {"/workforce/"},
    "/workforce/my-schedule/": {"/workforce/", "/workforce/my-schedule/"},
    "/settings/security/": {"/settings/security/"},
    "/account/mfa/setup/": {"/account/"},
    "/nowhere/": set(),
}


@pytest.mark.parametrize(("org", "role"), list(EXPECTED), ids=lambda v: str(v))
def test_each_role_sees_its_entries_in_order_with_the_active_one_marked(
    tenants: Tenants, org: str, role: Role
) -> None:
    scope = tenants.scope(org, role.value)
    with translation.override("en"):
        for path, active in ACTIVE_ON.items():
            items = navigation_for(scope, path)
            assert [(i.label, i.url) for i in items] == EXPECTED[(org, role)], path
            assert {i.url for i in items if i.active} == active & {i.url for i in items}, path


def test_every_role_of_a_kind_is_pinned() -> None:
    pinned = {role for _org, role in EXPECTED}
    assert pinned == set(Role) - {Role.PLATFORM_ADMIN}


def test_the_platform_admin_sees_its_entries(db: None) -> None:
    from kefu.tenancy import selectors
    from kefu.testing.factories import MembershipFactory, OrganizationFactory

    platform = OrganizationFactory(kind=OrgKind.PLATFORM, name="平台", slug="platform")
    membership = MembershipFactory(organization=platform, role=Role.PLATFORM_ADMIN)
    scope = selectors.scope_for_user(membership.user, organization_id=platform.pk)
    assert scope is not None
    with translation.override("en"):
        assert [(i.label, i.url) for i in navigation_for(scope, "/")] == [
            HOME,
            QUEUES,
            WORKFORCE,
            DASHBOARDS,
            METRICS,
            REPORTS,
            REVIEW,
            MEMBERS,
            AUDIT,
            ACCESS,
            SECURITY,
            DIGESTS,
            ACCOUNT,
        ]


def test_labels_are_translated(tenants: Tenants) -> None:
    scope = tenants.scope("pa", Role.PROVIDER_ADMIN.value)
    with translation.override("zh-hans"):
        labels = [i.label for i in navigation_for(scope, "/")]
    assert labels == [
        "首页",
        "工作台",
        "售后工单",
        "服务时间与 SLA",
        "实时看板",
        "现场告警",
        "应急预案",
        "队列",
        "技能",
        "上岗认证",
        "快捷短语",
        "质检",
        "满意度调查",
        "投诉",
        "辅导",
        "网页客服插件",
        "渠道接入",
        "人力排班",
        "我的排班",
        "自动质检",
        "质检校准",
        "数据看板",
        "指标字典",
        "报表",
        "月度 KPI 回顾",
        "合同",
        "经营复盘",
        "报价",
        "上线交接",
        "账单",
        "成员",
        "审计日志",
        "访问日志",
        "安全设置",
        "事件日志摘要",
        "我的账户",
    ]
