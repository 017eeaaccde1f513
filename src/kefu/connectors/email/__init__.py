"""The email channel: support mailboxes, mail in (IMAP polling, inbound webhook), replies out (SMTP).

Mail to a client's support address becomes an `email` conversation built by the desk
services, acting as the mailbox's channel scope (like the chat widget), so the event log,
SLA timers and live updates are those of any channel. Threading (docs/email.md): a mail
whose In-Reply-To/References names a mail we received or sent goes to that conversation;
else a `[#123]` subject token from that conversation's own customer; else a new one.
An agent's reply on an email conversation (a `message_out` event, heard by the
`enqueue_replies` sink after commit) becomes an `OutgoingEmail` row that `send_due` sends
by SMTP with retries. `poll_mailboxes` and `send_due` are safe to run repeatedly and in
parallel: each claims its rows before working on them.

One module per subject: `mailboxes` (settings), `inbound` (mail in), `polling` (IMAP),
`sending` (the outbox and SMTP). This package re-exports their public names, so
`kefu.connectors.email.send_due` and the sink `enqueue_replies` keep their dotted paths.
"""

from __future__ import annotations

from kefu.connectors.email._common import CLAIM_S, KEY_PREFIX, NETWORK_TIMEOUT_S, key_hash, new_inbound_key
from kefu.connectors.email.inbound import (
    EMAIL_PERMISSIONS,
    MAX_RAW_BYTES,
    Received,
    TooLarge,
    Unreadable,
    email_inbound,
    email_receive,
    external_id_for,
    mailbox_scope,
    parse_raw,
)
from kefu.connectors.email.mailboxes import (
    MAILBOX_SETTINGS,
    MAX_MAILBOXES,
    ConnectionCheck,
    mailbox_create,
    mailbox_delete,
    mailbox_rotate_key,
    mailbox_test,
    mailbox_update,
)
from kefu.connectors.email.polling import POLL_BATCH, poll_mailbox, poll_mailboxes
from kefu.connectors.email.sending import (
    BACKOFF_BASE_S,
    MAX_ATTEMPTS,
    Attempt,
    backoff,
    enqueue_replies,
    may_want,
    reply_attempt,
    send_due,
)
from kefu.core.errors import Invalid, NotFound, PermissionDenied

__all__ = [
    "BACKOFF_BASE_S",
    "CLAIM_S",
    "EMAIL_PERMISSIONS",
    "KEY_PREFIX",
    "MAILBOX_SETTINGS",
    "MAX_ATTEMPTS",
    "MAX_MAILBOXES",
    "MAX_RAW_BYTES",
    "NETWORK_TIMEOUT_S",
    "POLL_BATCH",
    "Attempt",
    "ConnectionCheck",
    "Invalid",
    "NotFound",
    "PermissionDenied",
    "Received",
    "TooLarge",
    "Unreadable",
    "backoff",
    "email_inbound",
    "email_receive",
    "enqueue_replies",
    "external_id_for",
    "key_hash",
    "mailbox_create",
    "mailbox_delete",
    "mailbox_rotate_key",
    "mailbox_scope",
    "mailbox_test",
    "mailbox_update",
    "may_want",
    "new_inbound_key",
    "parse_raw",
    "poll_mailbox",
    "poll_mailboxes",
    "reply_attempt",
    "send_due",
]
