"""The tamper-evident event log over the API: a client's daily digests and a day's export.

`GET /api/event-log/digests?client=&from=&to=` lists the chain heads the client keeps;
`GET /api/event-log/export?client=&date=` streams the day's links (JSON lines) so the client
recomputes the head itself (docs/event-log.md has the script).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router, Schema

from kefu.analytics import chain_selectors

router = Router(tags=["event log"])


class DigestOut(Schema):
    client_id: int | None
    provider_id: int | None
    chain: str
    date: date
    tz: str
    head_hash: str
    event_count: int
    chain_length: int
    last_event_id: int | None


@router.get("/event-log/digests", response=list[DigestOut])
def list_digests(
    request: HttpRequest,
    client: int | None = None,
    date_from: date | None = Query(None, alias="from"),  # noqa: B008 (ninja's way to rename)
    date_to: date | None = Query(None, alias="to"),  # noqa: B008
) -> list[DigestOut]:
    """Each chain's head at the end of each day (the client's time zone), newest first (≤ 366)."""
    digests = chain_selectors.digest_list(
        request.access, client_id=client, date_from=date_from, date_to=date_to
    )
    return [
        DigestOut(
            client_id=d.client_id,
            provider_id=d.provider_id,
            chain=d.chain_key,
            date=d.date,
            tz=d.tz,
            head_hash=d.head_hash,
            event_count=d.event_count,
            chain_length=d.chain_length,
            last_event_id=d.last_event_id,
        )
        for d in digests[:366]
    ]


@router.get("/event-log/export")
def export_day(request: HttpRequest, date: date, client: int | None = None) -> StreamingHttpResponse:
    """JSON lines: per chain a `{"header": …}` line, then `{"seq", "event", "canonical", "link"}` per link."""
    segments = chain_selectors.export_segments(request.access, client_id=client, day=date)

    def lines() -> Iterator[str]:
        for segment in segments:
            yield json.dumps({"header": segment.header()}, ensure_ascii=False) + "\n"
            for line in segment.lines:
                yield json.dumps(line, ensure_ascii=False) + "\n"

    response = StreamingHttpResponse(lines(), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-log-{date.isoformat()}.jsonl"'
    return response
