"""Where an agent's reply to a conversation goes, decided once for the reply box (which says it
before sending) and for `message_post` (which refuses a reply that cannot reach anyone).

A reply travels back the way the customer came: the web chat window, an email to the
customer's address, the client's system through the API. Two cases reach nobody: a message
left through the widget's offline form (the chat window was closed; the customer expects a
call or a mail) until the customer comes back to the chat, and an email conversation whose
customer has no address. A phone conversation has no text channel: what is written there is
kept as the record of the call, and the reply box says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kefu.core.scope import Scope
from kefu.desk.models import Channel, Conversation, Direction
from kefu.desk.permissions import DeskPerm
from kefu.desk.selectors.customers import customer_view

OFFLINE_FORM_TAG = "offline_form"


@dataclass(frozen=True)
class ReplyRoute:
    """`kind`: chat | email | api | record | none; `text`: the sentence the reply box shows."""

    kind: str
    text: str

    @property
    def can_send(self) -> bool:
        return self.kind != "none"


def _contacts(conversation: Conversation, scope: Scope | None) -> tuple[str, str]:
    """The customer's masked phone and email, for actors who may see the customer."""
    customer = conversation.customer if conversation.customer_id else None
    if customer is None or (scope is not None and not scope.has(DeskPerm.VIEW_CUSTOMERS)):
        return "", ""
    view = customer_view(customer)
    return view.phone, view.email


def _call_or_write(phone: str, email: str) -> str:
    if phone and email:
        return _("Call %(phone)s or write to %(email)s from your own mailbox.") % {
            "phone": phone,
            "email": email,
        }
    if phone:
        return _("Call the number %(phone)s.") % {"phone": phone}
    if email:
        return _("Write to %(email)s from your own mailbox.") % {"email": email}
    return _("The customer left no contact you may see.")


def _came_back(conversation: Conversation) -> bool:
    """The offline-form customer wrote again through the chat: the chat window is theirs now."""
    return conversation.messages.filter(direction=Direction.IN).count() > 1


def reply_route(conversation: Conversation, *, scope: Scope | None = None) -> ReplyRoute:
    """Where a reply to `conversation` goes now; `scope` limits the contact data shown."""
    phone, email = _contacts(conversation, scope)
    if conversation.channel == Channel.CHAT:
        if OFFLINE_FORM_TAG in (conversation.tags or []) and not _came_back(conversation):
            return ReplyRoute(
                "none",
                _("Cannot reach the customer here: they left this message through the offline form "
                  "and are not in a chat. %(how)s Internal notes still work.")
                % {"how": _call_or_write(phone, email)},
            )  # fmt: skip
        return ReplyRoute("chat", _("Goes to the customer's web chat window."))
    if conversation.channel == Channel.EMAIL:
        customer = conversation.customer if conversation.customer_id else None
        if customer is None or not customer.email_hash:
            return ReplyRoute(
                "none",
                _("Cannot reach the customer here: no email address is known for them. %(how)s")
                % {"how": _call_or_write(phone, "")},
            )
        if email:
            return ReplyRoute("email", _("Goes by email to %(email)s.") % {"email": email})
        return ReplyRoute("email", _("Goes by email to the customer's address."))
    if conversation.channel == Channel.PHONE:
        return ReplyRoute(
            "record",
            _("A phone conversation: the customer does not receive text. What you write is kept "
              "as the record of the call. %(how)s")
            % {"how": _call_or_write(phone, "")},
        )  # fmt: skip
    return ReplyRoute("api", _("Goes to the client's system through the API."))
