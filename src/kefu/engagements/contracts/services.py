"""Writes of contracts: draft, SLA terms, approval by both sides, signing, amendment, reading a
signed contract (access-logged) and the renewal/termination reminders.

A draft changes freely; any change withdraws the approvals already given, so what both sides
approved is what gets signed. When the second side approves, the version is signed: its text
and terms are frozen as canonical JSON with their SHA-256 (`SignedContract`, append-only), the
version it amends (if any) is superseded, and nothing of it can change again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.analytics.metrics import compute as metric_compute
from kefu.analytics.metrics import queries
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.roles import Role
from kefu.core.scope import Scope
from kefu.engagements.billing import pricing_terms
from kefu.engagements.contracts import selectors
from kefu.engagements.contracts.models import (
    Consequence,
    Contract,
    ContractReminder,
    ContractStatus,
    FloorWindow,
    PaymentTerms,
    ReminderKind,
    SignedContract,
    SlaTerm,
)
from kefu.engagements.permissions import EngagementPerm
from kefu.engagements.quoting import selectors as quoting_selectors
from kefu.engagements.quoting.models import Quote
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services

log = logging.getLogger(__name__)

TEXT_FIELDS = {
    "scope_of_work": 4000,
    "service_hours": 120,
    "service_types": 300,
    "training_support": 4000,
    "handover_method": 4000,
    "quality_method": 4000,
    "reporting_duties": 4000,
    "confidentiality": 4000,
    "data_processing": 4000,
}
CONTRACT_FIELDS = (
    "title", *TEXT_FIELDS, "channels", "seats", "payment_terms", "monthly_fee", "at_risk_pct",
    "bonus_cap_pct", "starts_on", "renews_on", "ends_on", "notice_days", "pricing_model", "pricing_rates",
)  # fmt: skip
TERM_FIELDS = (
    "metric_id", "target", "threshold_s", "floor_window", "floor_target", "exclusions", "consequence", "step",
    "rate_pct", "cap_pct", "floor_rate_pct", "earn_back_periods",
)  # fmt: skip
MAX_TERMS = 20


# --- input -----------------------------------------------------------------------------------------
def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        raise Invalid(_("This text contains a character that cannot be stored."), field=field)
    if len(text) > limit:
        raise Invalid(_("At most %(count)d characters.") % {"count": limit}, field=field)
    if required and not text:
        raise Invalid(_("This field is required."), field=field)
    return text


def _date(value: Any, field: str, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise Invalid(_("This field is required."), field=field)
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(_("Give a date as YYYY-MM-DD."), field=field) from None


def _number(
    value: Any, field: str, *, low: float, high: float, required: bool = True, integer: bool = False
) -> float | None:
    if value in (None, ""):
        if required:
            raise Invalid(_("This field is required."), field=field)
        return None
    try:
        number = float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError):
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        raise Invalid(_("Enter a number."), field=field)
    if integer and number != int(number):
        raise Invalid(_("Enter a whole number."), field=field)
    if not low <= number <= high:
        raise Invalid(
            _("Enter a number between %(low)s and %(high)s.") % {"low": f"{low:g}", "high": f"{high:g}"},
            field=field,
        )
    return number


def _money(value: Any, field: str) -> Decimal:
    number = _number(value, field, low=0, high=9_999_999_999)
    try:
        return Decimal(str(number)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise Invalid(_("Enter a number."), field=field) from None


def _pct(value: Any, field: str) -> Decimal | None:
    number = _number(value, field, low=0, high=100, required=False)
    return None if number is None else Decimal(str(number)).quantize(Decimal("0.01"))


def _choice(value: Any, field: str, choices: Any) -> str:
    text = "" if value is None else str(value)
    if text not in choices.values:
        raise Invalid(_("Choose one of the listed options."), field=field)
    return text


def _channels(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    channels = []
    for item in items:
        name = str(item).strip()
        if name not in queries.CHANNELS:
            raise Invalid(_("Unknown channel."), field="channels")
        if name not in channels:
            channels.append(name)
    return channels


def clean_contract(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check contract fields (API and forms alike); the error names the field at fault."""
    unknown = sorted(set(data) - set(CONTRACT_FIELDS))
    if unknown:
        raise Invalid(_("Unknown field."), field=str(unknown[0])[:60])
    clean: dict[str, Any] = {}
    for name in CONTRACT_FIELDS:
        if partial and name not in data:
            continue
        value = data.get(name)
        if name == "title":
            clean[name] = _text(value, name, 200, required=True)
        elif name in TEXT_FIELDS:
            clean[name] = _text(value, name, TEXT_FIELDS[name])
        elif name == "channels":
            clean[name] = _channels(value)
        elif name == "seats":
            clean[name] = int(_number(value or 0, name, low=0, high=100_000, integer=True) or 0)
        elif name == "notice_days":
            days = 30 if value in (None, "") else value
            clean[name] = int(_number(days, name, low=0, high=366, integer=True) or 0)
        elif name == "payment_terms":
            clean[name] = _choice(value or PaymentTerms.QUARTERLY, name, PaymentTerms)
        elif name == "monthly_fee":
            clean[name] = _money(value or 0, name)
        elif name in ("at_risk_pct", "bonus_cap_pct"):
            clean[name] = _pct(value, name)
        elif name == "starts_on":
            clean[name] = _date(value, name, required=True)
        elif name == "pricing_model":
            clean[name] = str(value or "fixed_monthly")[:20]
        elif name == "pricing_rates":
            if value not in (None, "") and not isinstance(value, dict):
                raise Invalid(_("Give the rates as an object of numbers."), field=name)
            clean[name] = {str(k)[:40]: v for k, v in (value or {}).items() if v not in (None, "")}
        else:
            clean[name] = _date(value, name)
    return clean


def _check_pricing(contract: Contract) -> None:
    """The pricing model and its rates (a fixed monthly fee defaults to the contract's monthly fee)."""
    rates = dict(contract.pricing_rates or {})
    if contract.pricing_model == "fixed_monthly" and "monthly" not in rates:
        rates["monthly"] = str(contract.monthly_fee)
    contract.pricing_model, contract.pricing_rates = pricing_terms.clean(contract.pricing_model, rates)


def _check_dates(contract: Contract) -> None:
    for name in ("renews_on", "ends_on"):
        day = getattr(contract, name)
        if day is not None and day < contract.starts_on:
            raise Invalid(_("This date is before the contract starts."), field=name)


def _threshold(metric: Any, raw: Any) -> float | None:
    """A service-level term's seconds ("X % within Y s"): given, else the metric's default made
    explicit, so the signed text and every comparison name the same threshold; a metric without
    a threshold takes none."""
    if "threshold_s" not in metric.params:
        if raw not in (None, ""):
            raise Invalid(_("This metric takes no threshold."), field="threshold_s")
        return None
    if raw in (None, ""):
        return float(metric_compute.DEFAULT_SERVICE_LEVEL_S)
    return _number(raw, "threshold_s", low=1, high=86_400)


def clean_term(data: dict[str, Any]) -> dict[str, Any]:
    """Check an SLA term: an available metric of the dictionary, a sane target and consequence."""
    unknown = sorted(set(data) - set(TERM_FIELDS))
    if unknown:
        raise Invalid(_("Unknown field."), field=str(unknown[0])[:60])
    metric = selectors.metric_get(str(data.get("metric_id") or ""))
    if metric is None:
        raise Invalid(_("Choose a metric that Kefu measures."), field="metric_id")
    high = 100.0 if metric.unit == "%" else 1_000_000.0
    clean: dict[str, Any] = {
        "metric_id": metric.id,
        "target": _number(data.get("target"), "target", low=0, high=high),
        "floor_window": _choice(data.get("floor_window") or "", "floor_window", FloorWindow),
        "floor_target": _number(data.get("floor_target"), "floor_target", low=0, high=high, required=False),
        "exclusions": _text(data.get("exclusions"), "exclusions", 2000),
        "consequence": _choice(data.get("consequence") or Consequence.NONE, "consequence", Consequence),
        "step": _number(data.get("step") or 1, "step", low=0.001, high=high),
        "rate_pct": _number(data.get("rate_pct") or 0, "rate_pct", low=0, high=100),
        "cap_pct": _number(data.get("cap_pct"), "cap_pct", low=0, high=100, required=False),
        "floor_rate_pct": _number(data.get("floor_rate_pct") or 0, "floor_rate_pct", low=0, high=100),
        "earn_back_periods": int(
            _number(data.get("earn_back_periods") or 0, "earn_back_periods", low=0, high=12, integer=True)
            or 0
        ),
    }
    clean["threshold_s"] = _threshold(metric, data.get("threshold_s"))
    if clean["floor_window"] and clean["floor_target"] is None:
        raise Invalid(_("A floor window needs a floor."), field="floor_target")
    if not clean["floor_window"]:
        clean["floor_target"], clean["floor_rate_pct"] = None, 0.0
    if clean["consequence"] != Consequence.CREDIT:
        clean["earn_back_periods"] = 0
    return clean


# --- drafting ---------------------------------------------------------------------------------------
def _draft(scope: Scope, contract_id: int) -> Contract:
    scope.require(EngagementPerm.CONTRACT_EDIT)
    contract = selectors.contract_get(scope, contract_id=contract_id, for_update=True)
    if contract.status != ContractStatus.DRAFT:
        raise Conflict(_("A signed contract cannot change: amend it with a new version."))
    return contract


def _unapprove(contract: Contract) -> None:
    """A changed draft is a different text: both sides approve it again."""
    contract.provider_approved_at = contract.provider_approved_by = None
    contract.client_approved_at = contract.client_approved_by = None
    contract.updated_at = clock.now()


@transaction.atomic
def contract_create(
    scope: Scope, *, engagement_id: int, quote_id: int | None = None, **fields: Any
) -> Contract:
    """A first draft for an engagement (the provider drafts; one open draft at a time), drawn up
    from the client's accepted quote when one is named (its accepted seats unless given)."""
    scope.require(EngagementPerm.CONTRACT_EDIT)
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    quote = None
    if quote_id is not None:
        quote = _accepted_quote(scope, engagement, quote_id)
        if not fields.get("seats") and quote.accepted_seats:
            fields = {**fields, "seats": quote.accepted_seats}
        if not fields.get("pricing_rates"):  # the accepted option's rates of the chosen model
            model = str(fields.get("pricing_model") or "fixed_monthly")
            fields = {
                **fields,
                "pricing_rates": pricing_terms.from_quote(quote.result, quote.accepted_seats, model),
            }
    clean = clean_contract(fields)
    if selectors.open_draft(scope, engagement_id=engagement.pk) is not None:
        raise Conflict(_("This engagement already has a draft contract."), field="engagement_id")
    latest = selectors.contract_list(scope, engagement_id=engagement.pk).order_by("-version").first()
    now = clock.now()
    contract = Contract(
        provider_id=engagement.provider_id,
        client_id=engagement.client_id,
        engagement=engagement,
        version=(latest.version + 1) if latest else 1,
        created_at=now,
        updated_at=now,
        created_by_id=scope.user_id,
        quote=quote,
        **clean,
    )
    _check_dates(contract)
    _check_pricing(contract)
    contract.save()
    tenancy_services.audit_record(
        scope, action="engagements.contract_create", target=contract, client_id=contract.client_id
    )
    return contract


def _accepted_quote(scope: Scope, engagement: Any, quote_id: int) -> Any:
    """The engagement's accepted quote: the same provider and client, and accepted."""
    try:
        quote = quoting_selectors.quote_get(scope, quote_id=quote_id)
    except NotFound:
        raise NotFound(_("Unknown quote."), field="quote_id") from None
    if (quote.provider_id, quote.client_id) != (engagement.provider_id, engagement.client_id):
        raise Invalid(_("This quote is for another engagement."), field="quote_id")
    if quote.status != Quote.Status.ACCEPTED:
        raise Invalid(_("Only an accepted quote can be the basis of a contract."), field="quote_id")
    return quote


@transaction.atomic
def contract_update(scope: Scope, *, contract_id: int, **fields: Any) -> Contract:
    contract = _draft(scope, contract_id)
    clean = clean_contract(fields, partial=True)
    if "pricing_model" in clean and "pricing_rates" not in clean:
        clean["pricing_rates"] = {}  # another model's rates do not carry over
    if "monthly_fee" in clean and "pricing_rates" not in clean and contract.pricing_model == "fixed_monthly":
        clean["pricing_rates"] = {**contract.pricing_rates, "monthly": str(clean["monthly_fee"])}
    for name, value in clean.items():
        setattr(contract, name, value)
    _check_dates(contract)
    _check_pricing(contract)
    _unapprove(contract)
    contract.save()
    tenancy_services.audit_record(
        scope,
        action="engagements.contract_update",
        target=contract,
        client_id=contract.client_id,
        data={"fields": sorted(clean)},
    )
    return contract


def _term_changed(scope: Scope, contract: Contract, term: SlaTerm, action: str) -> None:
    """A changed term withdraws the draft's approvals; the change is audited on the contract."""
    _unapprove(contract)
    contract.save()
    tenancy_services.audit_record(
        scope,
        action=action,
        target=contract,
        client_id=contract.client_id,
        data={"sla_metric": term.metric_id, "target_value": term.target},
    )


@transaction.atomic
def term_add(scope: Scope, *, contract_id: int, **fields: Any) -> SlaTerm:
    contract = _draft(scope, contract_id)
    clean = clean_term(fields)
    terms = selectors.term_list(contract)
    if len(terms) >= MAX_TERMS:
        raise Invalid(_("At most %(count)d SLA terms.") % {"count": MAX_TERMS}, field="metric_id")
    term = SlaTerm.objects.create(
        provider_id=contract.provider_id,
        client_id=contract.client_id,
        contract=contract,
        position=(terms[-1].position + 1) if terms else 1,
        **clean,
    )
    _term_changed(scope, contract, term, "engagements.contract_term_add")
    return term


@transaction.atomic
def term_update(scope: Scope, *, contract_id: int, term_id: int, **fields: Any) -> SlaTerm:
    contract = _draft(scope, contract_id)
    term = selectors.term_get(scope, contract=contract, term_id=term_id)
    for name, value in clean_term(fields).items():
        setattr(term, name, value)
    term.save()
    _term_changed(scope, contract, term, "engagements.contract_term_update")
    return term


@transaction.atomic
def term_remove(scope: Scope, *, contract_id: int, term_id: int) -> None:
    contract = _draft(scope, contract_id)
    term = selectors.term_get(scope, contract=contract, term_id=term_id)
    tenancy_services.audit_record(
        scope,
        action="engagements.contract_term_remove",
        target=contract,
        client_id=contract.client_id,
        data={"sla_metric": term.metric_id},
    )
    term.delete()
    _unapprove(contract)
    contract.save()


@transaction.atomic
def contract_amend(scope: Scope, *, contract_id: int) -> Contract:
    """A new draft version copied from a signed one; signing it supersedes the one it amends."""
    scope.require(EngagementPerm.CONTRACT_EDIT)
    signed = selectors.contract_get(scope, contract_id=contract_id, for_update=True)
    if signed.status != ContractStatus.SIGNED:
        raise Conflict(_("Only the signed version can be amended."))
    if selectors.open_draft(scope, engagement_id=signed.engagement_id) is not None:
        raise Conflict(_("This engagement already has a draft contract."))
    now = clock.now()
    draft = Contract(
        provider_id=signed.provider_id,
        client_id=signed.client_id,
        engagement_id=signed.engagement_id,
        previous=signed,
        quote_id=signed.quote_id,
        version=signed.version + 1,
        created_at=now,
        updated_at=now,
        created_by_id=scope.user_id,
        **{name: getattr(signed, name) for name in CONTRACT_FIELDS},
    )
    draft.save()
    SlaTerm.objects.bulk_create(
        [
            SlaTerm(
                provider_id=draft.provider_id,
                client_id=draft.client_id,
                contract=draft,
                position=term.position,
                **{name: getattr(term, name) for name in TERM_FIELDS},
            )
            for term in selectors.term_list(signed)
        ]
    )
    tenancy_services.audit_record(
        scope,
        action="engagements.contract_amend",
        target=draft,
        client_id=draft.client_id,
        data={"version": draft.version},
    )
    return draft


# --- approval and signing --------------------------------------------------------------------------------
def document_of(contract: Contract, terms: list[SlaTerm]) -> dict[str, Any]:
    """The text both sides signed, as plain JSON (what the digest is computed over)."""
    body: dict[str, Any] = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    for name, value in list(body.items()):
        if isinstance(value, date):
            body[name] = value.isoformat()
        elif isinstance(value, Decimal):
            body[name] = str(value)
    body.update(
        id=contract.pk,
        version=contract.version,
        previous_id=contract.previous_id,
        engagement_id=contract.engagement_id,
        provider={"id": contract.provider_id, "name": contract.provider.name},
        client={"id": contract.client_id, "name": contract.client.name},
        terms=[{"id": t.pk, **{name: getattr(t, name) for name in TERM_FIELDS}} for t in terms],
        approvals={
            "provider": {
                "by": contract.provider_approved_by_id,
                "at": contract.provider_approved_at.isoformat() if contract.provider_approved_at else None,
            },
            "client": {
                "by": contract.client_approved_by_id,
                "at": contract.client_approved_at.isoformat() if contract.client_approved_at else None,
            },
        },
    )
    return body


def digest_sha256(document: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces): anyone can recompute it."""
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def _sign(scope: Scope, contract: Contract) -> SignedContract:
    terms = selectors.term_list(contract)
    document = document_of(contract, terms)
    now = clock.now()
    signed = SignedContract.objects.create(
        provider_id=contract.provider_id,
        client_id=contract.client_id,
        contract=contract,
        document=document,
        sha256=digest_sha256(document),
        signed_at=now,
    )
    contract.status = ContractStatus.SIGNED
    contract.updated_at = now
    contract.save(update_fields=["status", "updated_at"])
    if contract.previous_id is not None:
        Contract.all_tenants.filter(pk=contract.previous_id, status=ContractStatus.SIGNED).update(
            status=ContractStatus.SUPERSEDED, updated_at=now
        )
    tenancy_services.audit_record(
        scope,
        action="engagements.contract_sign",
        target=contract,
        client_id=contract.client_id,
        data={"sha256": signed.sha256, "version": contract.version},
    )
    return signed


@transaction.atomic
def contract_approve(scope: Scope, *, contract_id: int) -> Contract:
    """Approve a draft for the actor's side; the second approval signs it."""
    scope.require(EngagementPerm.CONTRACT_APPROVE)
    contract = selectors.contract_get(scope, contract_id=contract_id, for_update=True)
    if contract.status != ContractStatus.DRAFT:
        raise Conflict(_("This version is already signed."))
    if not selectors.term_list(contract):
        raise Conflict(_("Add at least one SLA term before approving."))
    now = clock.now()
    if scope.is_provider:
        if contract.provider_approved_at is not None:
            raise Conflict(_("Your side has already approved this version."))
        contract.provider_approved_at, contract.provider_approved_by_id = now, scope.user_id
        side = "provider"
    elif scope.is_client:
        if contract.client_approved_at is not None:
            raise Conflict(_("Your side has already approved this version."))
        contract.client_approved_at, contract.client_approved_by_id = now, scope.user_id
        side = "client"
    else:
        raise PermissionDenied()
    contract.updated_at = now
    contract.save()
    tenancy_services.audit_record(
        scope,
        action="engagements.contract_approve",
        target=contract,
        client_id=contract.client_id,
        data={"side": side},
    )
    if contract.provider_approved_at is not None and contract.client_approved_at is not None:
        _sign(scope, contract)
    return contract


# --- reading a signed contract ------------------------------------------------------------------------------
@transaction.atomic
def contract_open(
    scope: Scope, *, contract_id: int, purpose: str = "contract", ip_address: str | None = None
) -> Contract:
    """The contract for reading; a signed (or superseded) one is confidential, so the read lands
    in the client's access log (`purpose` says what was read: the text, the SLA standing…)."""
    contract = selectors.contract_get(scope, contract_id=contract_id)
    if contract.status != ContractStatus.DRAFT:
        tenancy_services.access_record(
            scope,
            resource_type="contract",
            resource_id=contract.pk,
            client_id=contract.client_id,
            fields=purpose[:200],
            ip_address=ip_address,
        )
    return contract


# --- reminders (the worker's periodic job) ----------------------------------------------------------------
def _recipients(contract: Contract) -> list[str]:
    """The people who answer for the relationship on both sides (admins, account managers)."""
    found: list[str] = []
    for organization, roles in (
        (contract.provider, (Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER)),
        (contract.client, (Role.CLIENT_ADMIN,)),
    ):
        for role in roles:
            for membership in tenancy_selectors.membership_list_for_role(organization, role=role):
                email = membership.user.email
                if email and email not in found:
                    found.append(email)
    return found


def _remind(contract: Contract, kind: str, due_on: date) -> bool:
    recipients = _recipients(contract)
    try:
        with transaction.atomic():
            ContractReminder.objects.create(
                provider_id=contract.provider_id,
                client_id=contract.client_id,
                contract=contract,
                kind=kind,
                due_on=due_on,
                sent_at=clock.now(),
                recipients=recipients,
            )
    except IntegrityError:  # another worker announced it first
        return False
    if recipients:
        subject = (
            _("Contract %(title)s: renewal due on %(day)s")
            if kind == ReminderKind.RENEWAL
            else _("Contract %(title)s: ends on %(day)s")
        ) % {"title": contract.title, "day": due_on.isoformat()}
        body = _("%(provider)s and %(client)s: decide on renewal, renegotiation or replacement in time.") % {
            "provider": contract.provider.name,
            "client": contract.client.name,
        }
        try:
            send_mail(subject, body, None, recipients)
        except Exception:  # the reminder is recorded and shown in Kefu; the mail is a courtesy
            log.exception("contract reminder mail for %s failed", contract.pk)
    return True


def contract_reminders_due(now: datetime | None = None) -> str:
    """Announce once, to both sides, each renewal or termination date within its notice period."""
    today = (now or clock.now()).date()
    sent = 0
    for contract in selectors.signed_current_all():
        for kind, due_on in (
            (ReminderKind.RENEWAL, contract.renews_on),
            (ReminderKind.TERMINATION, contract.ends_on),
        ):
            if due_on is None or not today <= due_on <= today + timedelta(days=contract.notice_days):
                continue
            sent += _remind(contract, kind, due_on)
    return f"contract reminders: {sent} sent"
