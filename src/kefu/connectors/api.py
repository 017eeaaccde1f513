"""Outbound webhook endpoints of the acting organisation (admins): create, list, read, update,
delete, rotate the secret, ping; their deliveries and redelivery (docs/webhooks.md). Support
mailboxes of the email channel: create, list, read, update, delete, rotate the inbound key,
test the connection (docs/email.md)."""

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.connectors import email, selectors, webhooks
from kefu.connectors.schemas import (
    DeliveryDetailOut,
    DeliveryOut,
    MailboxIn,
    MailboxKeyOut,
    MailboxOut,
    MailboxTestOut,
    MailboxUpdateIn,
    WebhookIn,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdateIn,
)

router = Router(tags=["webhooks"])


def _with_secret(endpoint: object, secret: str) -> dict:
    return {**WebhookOut.from_orm(endpoint).model_dump(), "secret": secret}


@router.get("/webhooks", response=list[WebhookOut])
def list_webhooks(request: HttpRequest) -> object:
    return selectors.webhook_list(request.access)


@router.post("/webhooks", response={201: WebhookSecretOut})
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[object]:
    endpoint, secret = webhooks.webhook_create(request.access, **payload.dict())
    return Status(201, _with_secret(endpoint, secret))


@router.get("/webhooks/{webhook_id}", response=WebhookOut)
def get_webhook(request: HttpRequest, webhook_id: int) -> object:
    return selectors.webhook_get(request.access, webhook_id=webhook_id)


@router.patch("/webhooks/{webhook_id}", response=WebhookOut)
def update_webhook(request: HttpRequest, webhook_id: int, payload: WebhookUpdateIn) -> object:
    return webhooks.webhook_update(request.access, webhook_id=webhook_id, **payload.dict())


@router.delete("/webhooks/{webhook_id}", response={204: None})
def delete_webhook(request: HttpRequest, webhook_id: int) -> Status[None]:
    webhooks.webhook_delete(request.access, webhook_id=webhook_id)
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/rotate-secret", response=WebhookSecretOut)
def rotate_webhook_secret(request: HttpRequest, webhook_id: int) -> object:
    endpoint, secret = webhooks.webhook_rotate_secret(request.access, webhook_id=webhook_id)
    return _with_secret(endpoint, secret)


@router.post("/webhooks/{webhook_id}/ping", response=DeliveryOut)
def ping_webhook(request: HttpRequest, webhook_id: int) -> object:
    """Send a `ping` delivery now and answer with its outcome."""
    return webhooks.webhook_ping(request.access, webhook_id=webhook_id)


@router.get("/webhooks/{webhook_id}/deliveries", response=list[DeliveryOut])
@paginate(PageNumberPagination, page_size=50)
def list_deliveries(request: HttpRequest, webhook_id: int, status: str = "") -> object:
    return selectors.delivery_list(request.access, webhook_id=webhook_id, status=status)


@router.get("/webhook-deliveries/{delivery_id}", response=DeliveryDetailOut)
def get_delivery(request: HttpRequest, delivery_id: int) -> object:
    return selectors.delivery_get(request.access, delivery_id=delivery_id)


@router.post("/webhook-deliveries/{delivery_id}/redeliver", response=DeliveryOut)
def redeliver(request: HttpRequest, delivery_id: int) -> object:
    """Queue the delivery again now with a fresh set of attempts."""
    return webhooks.delivery_redeliver(request.access, delivery_id=delivery_id)


# --- email mailboxes -------------------------------------------------------------------------
mail_router = Router(tags=["email"])


def _with_key(request: HttpRequest, mailbox: object, key: str) -> dict:
    base = (getattr(settings, "KEFU_BASE_URL", "") or request.build_absolute_uri("/")).rstrip("/")
    return {
        **MailboxOut.from_orm(mailbox).model_dump(),
        "inbound_key": key,
        "inbound_url": f"{base}/connectors/email/{key}/inbound",
    }


@mail_router.get("/mailboxes", response=list[MailboxOut])
def list_mailboxes(request: HttpRequest) -> object:
    return selectors.mailbox_list(request.access)


@mail_router.post("/mailboxes", response={201: MailboxKeyOut})
def create_mailbox(request: HttpRequest, payload: MailboxIn) -> Status[object]:
    """A client's support mailbox; the answer holds the inbound-webhook key, shown only now."""
    data = payload.dict()
    client_id = data.pop("client_id")
    mailbox, key = email.mailbox_create(request.access, client_id=client_id, **data)
    return Status(201, _with_key(request, mailbox, key))


@mail_router.get("/mailboxes/{mailbox_id}", response=MailboxOut)
def get_mailbox(request: HttpRequest, mailbox_id: int) -> object:
    return selectors.mailbox_get(request.access, mailbox_id=mailbox_id)


@mail_router.patch("/mailboxes/{mailbox_id}", response=MailboxOut)
def update_mailbox(request: HttpRequest, mailbox_id: int, payload: MailboxUpdateIn) -> object:
    """Change settings; fields left out (or null) keep their value, passwords included."""
    return email.mailbox_update(request.access, mailbox_id=mailbox_id, **payload.dict())


@mail_router.delete("/mailboxes/{mailbox_id}", response={204: None})
def delete_mailbox(request: HttpRequest, mailbox_id: int) -> Status[None]:
    email.mailbox_delete(request.access, mailbox_id=mailbox_id)
    return Status(204, None)


@mail_router.post("/mailboxes/{mailbox_id}/rotate-key", response=MailboxKeyOut)
def rotate_mailbox_key(request: HttpRequest, mailbox_id: int) -> object:
    """A new inbound-webhook key; the old URL stops working at once."""
    mailbox, key = email.mailbox_rotate_key(request.access, mailbox_id=mailbox_id)
    return _with_key(request, mailbox, key)


@mail_router.post("/mailboxes/{mailbox_id}/test", response=MailboxTestOut)
def test_mailbox(request: HttpRequest, mailbox_id: int) -> object:
    """Try the IMAP login and the SMTP greeting now and say how it went."""
    return email.mailbox_test(request.access, mailbox_id=mailbox_id)


router.add_router("", mail_router)
