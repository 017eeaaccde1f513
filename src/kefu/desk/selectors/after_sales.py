"""A client's after-sales rules and the facts they look at (the customer's history and words)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk.models import AfterSalesRule, Case, CaseType, Conversation, Direction
from kefu.desk.permissions import DeskPerm


def customer_case_counts(customer_id: int | None, *, exclude_case_id: int | None = None) -> tuple[int, int]:
    """(previous cases, previous complaints or disputes) of a customer, for after-sales rules."""
    if customer_id is None:
        return 0, 0
    cases = Case.all_tenants.filter(customer_id=customer_id)
    if exclude_case_id is not None:
        cases = cases.exclude(pk=exclude_case_id)
    complaints = Q(type__in=[CaseType.COMPLAINT, CaseType.DISPUTE])
    return cases.count(), cases.filter(complaints).count()


def customer_text(conversation: Conversation, *, limit: int = 200) -> str:
    """The customer's own words in this conversation (latest `limit` messages), for keyword rules."""
    bodies = (
        conversation.messages.filter(direction=Direction.IN).order_by("-seq").values_list("body", flat=True)
    )
    return "\n".join(reversed(list(bodies[:limit])))


def after_sales_rule_list(scope: Scope, *, client_id: int | None = None) -> QuerySet[AfterSalesRule]:
    scope.require(DeskPerm.VIEW)
    queryset = AfterSalesRule.objects.for_scope(scope)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset.order_by("client_id", "position", "id")


def after_sales_rule_get(scope: Scope, *, rule_id: int, for_update: bool = False) -> AfterSalesRule:
    return one_of(after_sales_rule_list(scope), pk=rule_id, for_update=for_update)
