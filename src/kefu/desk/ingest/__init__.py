"""Customers' messages: one set of rules, two writers, one fast HTTP entry.

- `rules`: what a customer's message is allowed to be and what it does (the only place).
- `orm`: the writer of record (every database; `services.message_post` uses it for inbound
  messages, and so do the batches on SQLite).
- `pipeline` (+ `queries`): PostgreSQL's batch from the event loop, two round trips.
- `committer`: group commit of the requests arriving at one server process.
- `http`: the bearer-token fast entry for `POST /api/conversations/{id}/messages`.
"""

from kefu.desk.ingest.committer import close_connections, inbound_post
from kefu.desk.ingest.orm import inbound_post_many
from kefu.desk.ingest.rules import Inbound

__all__ = ["Inbound", "close_connections", "inbound_post", "inbound_post_many"]
