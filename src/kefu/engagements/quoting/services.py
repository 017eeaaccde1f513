"""Writes of quoting: cost models, intakes, quote versions and their status (sent, accepted,
declined). Every write is audited; the arithmetic is the pure `quote_core`, shared with the CLI."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.engagements.permissions import EngagementPerm
from kefu.engagements.quoting import comparison, quote_core, selectors
from kefu.engagements.quoting import intake as intake_core
from kefu.engagements.quoting.models import CostModelRecord, Intake, Quote, Rfq
from kefu.tenancy import services as tenancy_services


def _invalid(error: intake_core.QuoteInputError) -> Invalid:
    """The core's field path and sentence, as the one error every interface maps."""
    return Invalid(
        _("%(field)s: %(message)s") % {"field": error.field, "message": error.message}, field=error.field
    )


def _parsed_intake(data: Any) -> dict[str, Any]:
    try:
        return intake_core.intake_as_dict(intake_core.parse_intake(data))
    except intake_core.QuoteInputError as exc:
        raise _invalid(exc) from exc


def _parsed_cost_model(data: Any) -> dict[str, Any]:
    try:
        return intake_core.cost_model_as_dict(intake_core.parse_cost_model(data))
    except intake_core.QuoteInputError as exc:
        raise _invalid(exc) from exc


# --- cost models ---------------------------------------------------------------------------------
@transaction.atomic
def cost_model_save(
    scope: Scope, *, name: str, data: Any, cost_model_id: int | None = None
) -> CostModelRecord:
    """Create or edit a provider's rate card; quotes already made keep the rates they used."""
    scope.require(EngagementPerm.QUOTE_PREPARE)
    if not scope.is_provider:
        raise PermissionDenied()
    # another provider's rate card is not found before its new rates are judged
    row = None if cost_model_id is None else selectors.cost_model_get(scope, cost_model_id=cost_model_id)
    if not name.strip():
        raise Invalid(_("Give the cost model a name."), field="name")
    clean = _parsed_cost_model(data)
    if row is None:
        row = CostModelRecord.all_tenants.create(
            provider_id=scope.provider_id, client_id=None, name=name, data=clean
        )
        action = "engagements.cost_model_create"
    else:
        row.name, row.data = name.strip(), clean
        row.save(update_fields=["name", "data", "updated_at"])
        action = "engagements.cost_model_update"
    tenancy_services.audit_record(scope, action=action, target=row, data={"name": row.name})
    return row


# --- intakes -------------------------------------------------------------------------------------
@transaction.atomic
def intake_create(scope: Scope, *, title: str, data: Any, client_id: int | None = None) -> Intake:
    """A new intake. A client's is its own (its providers see it); an account manager's belongs to
    the provider, for one of its clients or, without `client_id`, for a prospect not yet in Kefu."""
    scope.require(EngagementPerm.INTAKE_EDIT)
    clean = _parsed_intake(data)
    if scope.is_provider and client_id is None:
        provider_id, client = scope.provider_id, None
    else:
        provider_id, client = new_row_keys(scope, client_id=client_id)
    row = Intake.all_tenants.create(
        provider_id=provider_id,
        client_id=client,
        title=(title or clean["client_name"]).strip()[:160],
        data=clean,
        created_by_id=scope.user_id,
    )
    tenancy_services.audit_record(scope, action="engagements.intake_create", target=row, client_id=client)
    return row


@transaction.atomic
def intake_update(scope: Scope, *, intake_id: int, title: str, data: Any) -> Intake:
    """Edit an intake until it is quoted; after that its facts are what the quotes priced."""
    scope.require(EngagementPerm.INTAKE_EDIT)
    row = selectors.intake_get(scope, intake_id=intake_id, for_update=True, to_edit=True)
    if row.status != Intake.Status.DRAFT:
        raise Conflict(_("This intake has been quoted; start a new intake for changed needs."))
    row.data = _parsed_intake(data)
    row.title = (title or row.data["client_name"]).strip()[:160]
    row.save(update_fields=["data", "title", "updated_at"])
    tenancy_services.audit_record(
        scope, action="engagements.intake_update", target=row, client_id=row.client_id
    )
    return row


# --- quotes --------------------------------------------------------------------------------------
@transaction.atomic
def quote_create(
    scope: Scope, *, intake_id: int, cost_model_id: int, options: list[int] | None = None, note: str = ""
) -> Quote:
    """A new quote version on an intake, priced with one of the provider's cost models.

    The intake is frozen from now on (status quoted); a sent earlier version is replaced by this
    one once this one is sent.
    """
    scope.require(EngagementPerm.QUOTE_PREPARE)
    if not scope.is_provider:
        raise PermissionDenied()
    intake = selectors.intake_get(scope, intake_id=intake_id, for_update=True)
    cost = selectors.cost_model_get(scope, cost_model_id=cost_model_id)
    if selectors.quote_list(scope, intake_id=intake.pk).filter(status=Quote.Status.ACCEPTED).exists():
        raise Conflict(_("A quote on this intake has been accepted already."))
    try:
        result = quote_core.build_quote(
            intake_core.parse_intake(intake.data), intake_core.parse_cost_model(cost.data), options=options
        )
    except intake_core.QuoteInputError as exc:
        raise _invalid(exc) from exc
    quote = Quote.all_tenants.create(
        provider_id=scope.provider_id,
        client_id=intake.client_id,
        intake=intake,
        version=selectors.quote_next_version(scope, intake_id=intake.pk),
        cost_model=cost.data | {"name": cost.name},
        result=result,
        note=note,
        created_by_id=scope.user_id,
    )
    if intake.status != Intake.Status.QUOTED:
        intake.status = Intake.Status.QUOTED
        intake.save(update_fields=["status", "updated_at"])
    tenancy_services.audit_record(
        scope,
        action="engagements.quote_create",
        target=quote,
        client_id=quote.client_id,
        data={"version": quote.version, "seats": [o["seats"] for o in result["options"]]},
    )
    return quote


@transaction.atomic
def quote_send(scope: Scope, *, quote_id: int) -> Quote:
    """Send a draft to the client; earlier sent versions on the intake are superseded."""
    scope.require(EngagementPerm.QUOTE_PREPARE)
    quote = selectors.quote_get(scope, quote_id=quote_id, for_update=True)
    if quote.status != Quote.Status.DRAFT:
        raise Conflict(_("Only a draft quote can be sent."))
    selectors.quote_list(scope, intake_id=quote.intake_id).filter(status=Quote.Status.SENT).update(
        status=Quote.Status.SUPERSEDED
    )
    quote.status, quote.sent_at = Quote.Status.SENT, clock.now()
    quote.save(update_fields=["status", "sent_at"])
    tenancy_services.audit_record(
        scope,
        action="engagements.quote_send",
        target=quote,
        client_id=quote.client_id,
        data={"version": quote.version},
    )
    return quote


@transaction.atomic
def quote_decide(
    scope: Scope, *, quote_id: int, accept: bool, seats: int | None = None, reason: str = ""
) -> Quote:
    """The client's answer to a sent quote: accept one option (by its seats) or decline.

    The client answers in Kefu; for a prospect not in Kefu, the provider's account manager
    records the answer the client gave them.
    """
    scope.require(EngagementPerm.QUOTE_DECIDE)
    quote = selectors.quote_get(scope, quote_id=quote_id, for_update=True)
    if quote.status != Quote.Status.SENT:
        raise Conflict(_("Only a sent quote can be accepted or declined."))
    if scope.is_provider and quote.client_id is not None:
        raise PermissionDenied()  # the client is in Kefu: it answers itself
    offered = [o["seats"] for o in quote.result.get("options", [])]
    if accept:
        if seats is None and len(offered) == 1:
            seats = offered[0]
        if seats not in offered:
            raise Invalid(_("Choose one of the quoted options."), field="seats")
        quote.status, quote.accepted_seats = Quote.Status.ACCEPTED, seats
    else:
        quote.status = Quote.Status.DECLINED
    quote.decision_reason, quote.decided_at = reason.strip(), clock.now()
    quote.save(update_fields=["status", "accepted_seats", "decision_reason", "decided_at"])
    tenancy_services.audit_record(
        scope,
        action="engagements.quote_accept" if accept else "engagements.quote_decline",
        target=quote,
        client_id=quote.client_id,
        data={"version": quote.version} | ({"seats": seats} if accept else {}),
    )
    return quote


# --- RFQs ----------------------------------------------------------------------------------------
def _require_client(scope: Scope) -> None:
    scope.require(EngagementPerm.QUOTE_COMPARE)
    if not scope.is_client:
        raise PermissionDenied()


@transaction.atomic
def rfq_create(scope: Scope, *, intake_id: int, provider_ids: list[int], title: str = "") -> Rfq:
    """Invite providers to quote on one of the client's own intakes: those serving it and
    providers listed in the directory. A listed provider the client does not serve gets a
    proposed engagement, which shows it this intake and its own quote and nothing else; an
    unlisted one cannot be invited (404, as an unknown id)."""
    _require_client(scope)
    intake = selectors.intake_get(scope, intake_id=intake_id)
    if intake.provider_id is not None:
        raise Invalid(_("Only an intake of your own can go out for quotes."), field="intake_id")
    allowed = selectors.invitable_providers(scope)
    chosen = sorted(set(provider_ids))
    if not chosen:
        raise Invalid(_("Invite at least one provider."), field="provider_ids")
    if any(p not in allowed for p in chosen):
        raise NotFound(_("Unknown provider."), field="provider_ids")
    rfq = Rfq.all_tenants.create(
        provider_id=None,
        client_id=scope.client_id,
        intake=intake,
        title=(title or intake.title).strip()[:160],
        provider_ids=chosen,
        weights=dict(comparison.DEFAULT_WEIGHTS),
    )
    tenancy_services.audit_record(
        scope,
        action="engagements.rfq_create",
        target=rfq,
        data={"providers": [allowed[p][0] for p in chosen]},
    )
    for provider_id in chosen:
        if not allowed[provider_id][1]:  # listed, not serving the client yet
            tenancy_services.engagement_propose(scope, provider_id=provider_id)
    return rfq


def _open_rfq(scope: Scope, rfq_id: int) -> Rfq:
    _require_client(scope)
    rfq = selectors.rfq_get(scope, rfq_id=rfq_id, for_update=True)
    if rfq.status != Rfq.Status.OPEN:
        raise Conflict(_("This request for quotes has been decided."))
    return rfq


@transaction.atomic
def rfq_weigh(
    scope: Scope, *, rfq_id: int, weights: dict[str, int], ratings: dict[int, dict[str, int]]
) -> Rfq:
    """The client's weights per criterion (0–100) and its 0–5 ratings of each invited provider."""
    rfq = _open_rfq(scope, rfq_id)
    for key, value in weights.items():
        if key not in comparison.CRITERIA:
            raise Invalid(_("Unknown criterion."), field=f"weight_{key}")
        if not isinstance(value, int) or not 0 <= value <= 100:
            raise Invalid(_("A weight is a whole number from 0 to 100."), field=f"weight_{key}")
    if sum(weights.values()) <= 0:
        raise Invalid(_("Give at least one criterion a weight."), field="weight_price")
    clean: dict[str, dict[str, int]] = {}
    for provider_id, marks in ratings.items():
        if provider_id not in rfq.provider_ids:
            raise NotFound(_("Unknown provider."), field="provider_ids")
        for key, value in marks.items():
            if (
                key not in ("qualifications", "references", "security")
                or not 0 <= value <= comparison.RATING_MAX
            ):
                raise Invalid(_("A rating is a whole number from 0 to 5."), field=f"{key}_{provider_id}")
        clean[str(provider_id)] = dict(marks)
    rfq.weights = {k: weights.get(k, 0) for k in comparison.CRITERIA}
    rfq.assessments = clean
    rfq.save(update_fields=["weights", "assessments"])
    tenancy_services.audit_record(scope, action="engagements.rfq_weigh", target=rfq)
    return rfq


@transaction.atomic
def rfq_decide(scope: Scope, *, rfq_id: int, quote_id: int, seats: int, reason: str) -> Rfq:
    """Choose one provider's quote (accepting it with the chosen seats) and decline the others on
    the intake; the reasons are kept with the RFQ."""
    rfq = _open_rfq(scope, rfq_id)
    if not reason.strip():
        raise Invalid(_("Record the reasons for the decision."), field="reason")
    quote = selectors.quote_get(scope, quote_id=quote_id)
    if quote.intake_id != rfq.intake_id or quote.provider_id not in rfq.provider_ids:
        raise NotFound()
    quote_decide(scope, quote_id=quote.pk, accept=True, seats=seats, reason=reason)
    for other in selectors.quote_list(scope, intake_id=rfq.intake_id).filter(status=Quote.Status.SENT):
        quote_decide(scope, quote_id=other.pk, accept=False, reason=_("Another provider was chosen."))
    rfq.status, rfq.chosen_quote = Rfq.Status.DECIDED, quote
    rfq.decision_reason, rfq.decided_at = reason.strip(), clock.now()
    rfq.save(update_fields=["status", "chosen_quote", "decision_reason", "decided_at"])
    tenancy_services.audit_record(
        scope,
        action="engagements.rfq_decide",
        target=rfq,
        data={"provider": quote.provider.name, "seats": seats},
    )
    _settle_invitations(scope, rfq, winner_id=quote.provider_id)
    return rfq


def _settle_invitations(scope: Scope, rfq: Rfq, *, winner_id: int) -> None:
    """After the decision: a proposed winner's engagement becomes active (the contract flow
    starts from it); every other invited provider the client does not serve is declined and
    loses sight of the intake and its quote, unless another open RFQ of the client still
    invites it."""
    tenancy_services.engagement_award(scope, provider_id=winner_id)
    still_invited = {
        p for other in selectors.rfq_list(scope).filter(status=Rfq.Status.OPEN) for p in other.provider_ids
    }
    for provider_id in rfq.provider_ids:
        if provider_id != winner_id and provider_id not in still_invited:
            tenancy_services.engagement_decline(scope, provider_id=provider_id)
