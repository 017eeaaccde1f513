"""Group-committed ingest of customers' messages: the same outcome as `message_post`, in fewer
statements, with per-message errors, and through the lean ASGI path for bearer-token calls."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
import threading
from typing import Any

import psycopg
import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, IntegrityError, connection, transaction

from kefu.analytics import events
from kefu.analytics.models import ContactEvent
from kefu.core import pgasync, realtime
from kefu.core.errors import Conflict, Invalid, NotFound
from kefu.desk import ingest, services
from kefu.desk.ingest import Inbound, pipeline, rules
from kefu.desk.ingest import committer as group_commit
from kefu.desk.ingest import orm as ingest_orm
from kefu.desk.models import Conversation, Message, Status
from kefu.tenancy import services as tenancy_services
from kefu.testing import asgi
from kefu.testing.plugin import Tenants

CARD = "4111 1111 1111 1111"


def _conversation(tenants: Tenants, org: str = "pa", client: str = "ca1", status: str = "") -> Conversation:
    scope = tenants.scope(org, "agent")
    conversation = services.conversation_create(
        scope, channel="api", client_id=getattr(tenants, client).pk, message="在吗"
    )
    if status:
        Conversation.all_tenants.filter(pk=conversation.pk).update(status=status)
    return conversation


def _events(conversation_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = ContactEvent.all_tenants.filter(conversation_id=conversation_id).order_by("pk")
    return [(row.type, row.data) for row in rows if row.type not in ("offered",)]


def test_a_batch_answers_each_message_in_order(tenants: Tenants, django_assert_max_num_queries: Any) -> None:
    scope = tenants.scope("pa", "agent")
    chat = _conversation(tenants)
    resolved = _conversation(tenants, status=Status.RESOLVED)
    closed = _conversation(tenants, status=Status.CLOSED)
    elsewhere = _conversation(tenants, org="pb", client="cb")  # not served by pa

    items = [
        Inbound(scope, chat.pk, "第一条", external_id="m-1"),
        Inbound(scope, resolved.pk, "还是没收到"),
        Inbound(scope, chat.pk, "第一条", external_id="m-1"),  # the connector retried
        Inbound(scope, chat.pk, "   "),
        Inbound(scope, elsewhere.pk, "你好"),
        Inbound(scope, closed.pk, "你好"),
        Inbound(scope, chat.pk, f"卡号 {CARD}"),
    ]
    with django_assert_max_num_queries(8):  # one transaction, not a round of queries per message
        results = ingest.inbound_post_many(items)

    first, reopened, retry, empty, unseen, late, card = results
    assert isinstance(first, Message) and first.seq == 2 and first.pk is not None
    assert retry is first
    assert isinstance(empty, Invalid) and empty.field == "body"
    assert isinstance(unseen, NotFound)
    assert isinstance(late, Conflict)
    assert isinstance(card, Message) and card.seq == 3
    assert CARD not in card.body and card.redactions
    assert isinstance(reopened, Message) and reopened.seq == 2

    chat.refresh_from_db()
    resolved.refresh_from_db()
    assert chat.last_message_seq == 3
    assert resolved.status == Status.OPEN and resolved.last_message_seq == 2
    assert _events(resolved.pk)[-2:] == [
        ("message_in", {"seq": 2}),
        ("reopened", {"from": "resolved", "by": "customer", "to": "open"}),
    ]
    assert Message.all_tenants.filter(conversation=chat).count() == 3
    assert Message.all_tenants.filter(conversation=elsewhere).count() == 1


def test_batch_and_single_posts_store_the_same(tenants: Tenants) -> None:
    """The batch path must not drift from `message_post`: same rows, same events."""
    scope = tenants.scope("pa", "agent")
    bodies = ["你好", f"我的卡 {CARD}", "身份证 110101199003077777", "谢谢"]

    single = _conversation(tenants, status=Status.PENDING_CUSTOMER)
    for n, body in enumerate(bodies):
        services.message_post(
            scope, conversation_id=single.pk, body=body, direction="in", external_id=f"x{n}"
        )
    batched = _conversation(tenants, status=Status.PENDING_CUSTOMER)
    ingest.inbound_post_many(
        [Inbound(scope, batched.pk, body, external_id=f"x{n}") for n, body in enumerate(bodies)]
    )

    def rows(conversation: Conversation) -> list[tuple[Any, ...]]:
        return list(
            Message.all_tenants.filter(conversation=conversation)
            .order_by("seq")
            .values_list("seq", "direction", "body", "redactions", "external_id", "delivery", "author_id")
        )

    assert rows(single) == rows(batched)
    assert _events(single.pk) == _events(batched.pk)
    single.refresh_from_db()
    batched.refresh_from_db()
    assert (single.status, single.last_message_seq) == (batched.status, batched.last_message_seq)


def test_a_database_failure_falls_back_to_one_by_one(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = tenants.scope("pa", "agent")
    chat = _conversation(tenants)

    emit_many, failed = events.emit_many, []

    def deadlock_once(rows: Any) -> None:  # the batch's transaction fails; the retries succeed
        if not failed:
            failed.append(rows)
            raise DatabaseError("deadlock detected")
        emit_many(rows)

    monkeypatch.setattr(events, "emit_many", deadlock_once)
    results = ingest.inbound_post_many([Inbound(scope, chat.pk, "一"), Inbound(scope, chat.pk, "二")])
    assert [r.seq for r in results if isinstance(r, Message)] == [2, 3]
    assert Message.all_tenants.filter(conversation=chat).count() == 3
    assert [t for t, _ in _events(chat.pk)].count("message_in") == 3
    assert len(failed) == 1 and len(failed[0]) == 2  # the batch failed whole, then one by one


def _on_server_loop(work: Any, batches: list[int] | None = None) -> Any:
    """Run `work()` as the ASGI server would: on the server's loop, through its group committer
    (the event-loop writer on PostgreSQL, the writer thread on SQLite), recording batch sizes."""

    async def run() -> Any:
        loop = asyncio.get_running_loop()
        realtime.set_server_loop(loop)  # as the ASGI entry does
        committer = group_commit.committer_for(loop)
        write = committer._write_batch

        async def recording(items: list[Inbound]) -> list[Any]:
            if batches is not None:
                batches.append(len(items))
            return await write(items)

        committer._write_batch = recording
        try:
            return await work()
        finally:
            await ingest.close_connections()

    return async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_on_the_server_loop_share_a_transaction(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "agent")
    chats = [_conversation(tenants) for _ in range(3)]
    batches: list[int] = []

    async def six_customers() -> list[Message]:
        posts = [ingest.inbound_post(Inbound(scope, chats[n % 3].pk, f"消息 {n}")) for n in range(6)]
        return await asyncio.gather(*posts)

    messages = _on_server_loop(six_customers, batches)
    assert sorted(batches) == [6]
    assert sorted((m.conversation_id, m.seq) for m in messages) == sorted(
        (chat.pk, seq) for chat in chats for seq in (2, 3)
    )
    assert all(m.pk for m in messages)
    assert Message.all_tenants.filter(conversation__in=chats).count() == 9

    async def one_refused() -> None:
        await ingest.inbound_post(Inbound(scope, chats[0].pk, ""))

    with pytest.raises(Invalid):
        _on_server_loop(one_refused)


def _http(
    application: Any, path: str, body: dict[str, Any] | None, token: str | None, **extra: str
) -> tuple[int, dict, Any]:
    status, headers, content = _http_raw(application, path, body, token, **extra)
    return status, {k.lower(): v for k, v in headers}, json.loads(content or b"null")


def _http_raw(
    application: Any, path: str, body: dict[str, Any] | bytes | None, token: str | None, **extra: str
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return asgi.request(application, "POST" if body is not None else "GET", path, body, token=token, **extra)


@pytest.mark.django_db(transaction=True)
def test_bearer_api_calls_take_the_lean_path(tenants: Tenants) -> None:
    from kefu.config.asgi import application

    chat = _conversation(tenants)
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "agent"), name="bench")
    url = f"/api/conversations/{chat.pk}/messages"

    status, headers, body = _http(application, url, {"body": "在吗", "direction": "in"}, raw)
    assert status == 201 and body["seq"] == 2 and body["direction"] == "in"
    assert headers[b"x-content-type-options"] == b"nosniff"  # the security middleware still runs
    assert headers[b"content-language"] and b"Accept-Language" in headers[b"vary"]
    sent = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert int(headers[b"content-length"]) >= len(sent)  # a length, not chunked encoding

    status, _headers, body = _http(application, url, {"body": "", "direction": "in"}, raw)
    assert status == 422 and body["error"]["field"] == "body"
    status, _headers, body = _http(application, "/api/me", None, raw)  # sync endpoints too
    assert status == 200 and body["username"] == tenants.user("pa", "agent").username
    status, _headers, body = _http(application, url, {"body": "hi", "direction": "in"}, None)
    assert status in (401, 403) and body["error"]  # no token: the browser's path, which wants a session
    # the non-batched fallbacks answer on the same path: a retried key, an agent's reply
    keyed = {"body": "补充", "direction": "in"}
    first = _http(application, url, keyed, raw, Idempotency_Key="k-1")
    again = _http(application, url, keyed, raw, Idempotency_Key="k-1")
    assert first[0] == again[0] == 201 and first[2] == again[2] and first[2]["seq"] == 3
    status, _headers, body = _http(application, url, {"body": "您好", "direction": "out"}, raw)
    assert status == 201 and body["seq"] == 4 and body["direction"] == "out"
    assert Message.all_tenants.filter(conversation=chat).count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_fast_path_answers_customer_messages_as_the_endpoint_does(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same post through the fast path and through the router gives the same bytes."""
    from kefu.config import api_asgi
    from kefu.config.asgi import application

    chat = _conversation(tenants)
    theirs = _conversation(tenants, org="pb", client="cb")
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "agent"), name="connector")
    url = f"/api/conversations/{chat.pk}/messages"
    direct = api_asgi._post_inbound_directly
    taken: list[bool] = []
    router_only = False

    async def watched(request: Any, conversation_id: int) -> Any:
        response = None if router_only else await direct(request, conversation_id)
        taken.append(response is not None)
        return response

    monkeypatch.setattr(api_asgi, "_post_inbound_directly", watched)
    status, _headers, _body = _http(application, url, {"body": "你好", "direction": "in"}, raw)
    assert status == 201 and taken == [False]  # a token seen for the first time: the full path

    def both_ways(path: str, body: dict[str, Any], **headers: str) -> tuple[Any, Any]:
        nonlocal router_only
        taken.clear()
        router_only = False
        fast = _http_raw(application, path, body, raw, **headers)
        router_only = True
        slow = _http_raw(application, path, body, raw, **headers)
        assert taken == [True, False]
        return fast, slow

    retried = {
        "body": "在吗？订单 2026112512345678",
        "direction": "in",
        "external_id": "e-1",
        "channel_data": {"店": "悦家"},
    }
    fast, slow = both_ways(url, retried)  # the second is the connector's retry: the same message
    assert fast[0] == 201 and fast == slow
    for language in ("en", "zh-hans"):
        for path, body in [
            (url, {"body": "   ", "direction": "in"}),
            (f"/api/conversations/{theirs.pk}/messages", {"body": "你好", "direction": "in"}),
            ("/api/conversations/999999999/messages", {"body": "你好", "direction": "in"}),
            (url, {"body": "a\x00b", "direction": "in"}),
        ]:
            fast, slow = both_ways(path, body, Accept_Language=language)
            assert fast[0] in (404, 422) and fast == slow, (path, body, language)
    blank = {"body": "   ", "direction": "in"}
    english, chinese = (
        _http_raw(application, url, blank, raw, Accept_Language=lang) for lang in ("en", "zh-hans")
    )
    assert english[2] != chinese[2]  # the error speaks the caller's language on the fast path too

    # anything else takes the full path, untouched
    router_only = False
    for body, headers in [
        ({"body": "您好", "direction": "out"}, {}),
        ({"body": "补充", "direction": "in"}, {"Idempotency_Key": "k-9"}),
        ({"direction": "in"}, {}),
        (b"{not json", {}),
        ([1, 2], {}),
    ]:
        taken.clear()
        status, _headers, _content = _http_raw(application, url, body, raw, **headers)  # type: ignore[arg-type]
        assert taken == [False] and status in (201, 400, 422), (body, status)
    taken.clear()
    status, _headers, _content = _http_raw(
        application, url, {"body": "hi", "direction": "in"}, "kefu_unknown"
    )
    assert taken == [False] and status in (401, 403)
    assert Message.all_tenants.filter(conversation=chat).count() == 5  # opening, 你好, e-1, out, k-9


# --- the event-loop writer (PostgreSQL) ----------------------------------------------------------
on_postgresql = pytest.mark.skipif(
    not pgasync.available(), reason="the event-loop batch writer is PostgreSQL's (SQLite batches on a thread)"
)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_event_loop_writer_answers_each_message_as_message_post_would(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = tenants.scope("pa", "agent")
    chat = _conversation(tenants)
    resolved = _conversation(tenants, status=Status.RESOLVED)
    closed = _conversation(tenants, status=Status.CLOSED)
    elsewhere = _conversation(tenants, org="pb", client="cb")  # not served by pa
    earlier = services.message_post(
        scope, conversation_id=chat.pk, body="早上好", direction="in", external_id="m-0"
    )
    hints: list[tuple[str, str, dict[str, Any]]] = []
    monkeypatch.setattr(realtime, "publish_many", hints.extend)
    batches: list[int] = []

    items = [
        Inbound(scope, chat.pk, "第一条", external_id="m-1", channel_data={"shop": "悦家"}),
        Inbound(scope, resolved.pk, "还是没收到"),
        Inbound(scope, chat.pk, "第一条", external_id="m-1"),  # the connector retried within the batch
        Inbound(scope, chat.pk, "早上好", external_id="m-0"),  # … and a message stored before
        Inbound(scope, chat.pk, "   "),
        Inbound(scope, elsewhere.pk, "你好"),
        Inbound(scope, closed.pk, "你好"),
        Inbound(scope, chat.pk, f"卡号 {CARD}"),
        Inbound(scope, chat.pk, "a\x00b"),
        Inbound(scope, 10**9, "没有这个会话"),
    ]

    async def batch() -> list[Any]:
        return await asyncio.gather(*(ingest.inbound_post(item) for item in items), return_exceptions=True)

    first, reopened, retry, before, empty, unseen, late, card, nul, missing = _on_server_loop(batch, batches)
    assert batches == [len(items)]
    assert isinstance(first, Message) and first.seq == 3 and first.pk is not None
    assert first.channel_data == {"shop": "悦家"} and not first._state.adding
    assert retry is first
    assert (
        isinstance(before, Message)
        and before.pk == earlier.pk
        and before.seq == 2
        and before.body == "早上好"
    )
    assert isinstance(empty, Invalid) and empty.field == "body"
    assert isinstance(nul, Invalid) and nul.field == "body"
    assert isinstance(unseen, NotFound) and isinstance(missing, NotFound)
    assert isinstance(late, Conflict)
    assert isinstance(card, Message) and card.seq == 4 and CARD not in card.body and card.redactions
    assert isinstance(reopened, Message) and reopened.seq == 2

    stored = {m.pk: m for m in Message.all_tenants.filter(pk__in=[first.pk, card.pk, reopened.pk])}
    for message in (first, card, reopened):  # what was answered is what was stored
        row = stored[message.pk]
        assert (row.conversation_id, row.seq, row.body, row.redactions, row.channel_data, row.created_at) == (
            message.conversation_id,
            message.seq,
            message.body,
            message.redactions,
            message.channel_data,
            message.created_at,
        )
    chat.refresh_from_db()
    resolved.refresh_from_db()
    assert chat.last_message_seq == 4 and chat.updated_at == first.created_at
    assert resolved.status == Status.OPEN and resolved.last_message_seq == 2 and resolved.resolved_at is None
    assert _events(resolved.pk)[-2:] == [
        ("message_in", {"seq": 2}),
        ("reopened", {"from": "resolved", "by": "customer", "to": "open"}),
    ]
    assert Message.all_tenants.filter(conversation=elsewhere).count() == 1
    assert Message.all_tenants.filter(conversation=closed).count() == 1
    # the events were written with their keys; pages heard one hint per conversation
    logged = ContactEvent.all_tenants.filter(conversation_id__in=[chat.pk, resolved.pk], at=first.created_at)
    assert sorted((e.conversation_id, e.type) for e in logged) == sorted(
        [
            (chat.pk, "message_in"),
            (chat.pk, "message_in"),
            (resolved.pk, "message_in"),
            (resolved.pk, "reopened"),
        ]
    )
    assert (f"desk.conversation.{chat.pk}", "message.created", {"id": chat.pk, "seq": 4}) in hints
    assert (
        f"desk.inbox.{tenants.pa.pk}",
        "message.created",
        {"id": resolved.pk, "provider_id": tenants.pa.pk, "client_id": resolved.client_id},
    ) in hints


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_event_loop_writer_stores_the_same_rows_as_message_post(tenants: Tenants) -> None:
    scope = tenants.scope("pa", "agent")
    bodies = ["你好", f"我的卡 {CARD}", "身份证 110101199003077777", "谢谢"]
    single = _conversation(tenants, status=Status.PENDING_CUSTOMER)
    for n, body in enumerate(bodies):
        services.message_post(
            scope, conversation_id=single.pk, body=body, direction="in", external_id=f"x{n}"
        )
    batched = _conversation(tenants, status=Status.PENDING_CUSTOMER)

    async def in_order() -> None:
        for n, body in enumerate(bodies):  # one after another: batches of one
            await ingest.inbound_post(Inbound(scope, batched.pk, body, external_id=f"x{n}"))

    _on_server_loop(in_order)

    def rows(conversation: Conversation) -> list[tuple[Any, ...]]:
        return list(
            Message.all_tenants.filter(conversation=conversation)
            .order_by("seq")
            .values_list(
                "seq", "direction", "body", "redactions", "external_id", "delivery", "author_id",
                "provider_id", "client_id", "channel_data",
            )
        )  # fmt: skip

    def logged(conversation: Conversation) -> list[tuple[Any, ...]]:
        return list(
            ContactEvent.all_tenants.filter(conversation_id=conversation.pk)
            .exclude(type="offered")
            .order_by("pk")
            .values_list(
                "type", "data", "provider_id", "client_id", "channel", "queue", "actor_id", "agent_id"
            )
        )

    assert rows(single) == rows(batched)
    assert logged(single) == logged(batched)
    single.refresh_from_db()
    batched.refresh_from_db()
    assert (single.status, single.last_message_seq) == (batched.status, batched.last_message_seq)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_batch_the_database_refuses_is_posted_one_by_one(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = tenants.scope("pa", "agent")
    chat = _conversation(tenants)
    statements = pipeline._statements()
    broken = dataclasses.replace(statements, write="SELECT * FROM no_such_table WHERE %s IS NULL")
    monkeypatch.setattr(pipeline, "_statements", lambda: broken)

    async def two_then_one() -> list[Message]:
        posts = [ingest.inbound_post(Inbound(scope, chat.pk, text)) for text in ("一", "二")]
        first = await asyncio.gather(*posts)
        monkeypatch.setattr(pipeline, "_statements", lambda: statements)
        return [
            *first,
            await ingest.inbound_post(Inbound(scope, chat.pk, "三")),
        ]  # the connection still works

    messages = _on_server_loop(two_then_one)
    assert [m.seq for m in messages] == [2, 3, 4]
    assert Message.all_tenants.filter(conversation=chat).count() == 4
    assert [t for t, _ in _events(chat.pk)].count("message_in") == 4


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_conversations_stay_locked_from_the_read_to_the_commit(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between its two round trips a batch holds its conversations: nobody numbers a message
    in between (the implicit transaction of the pipeline must not end at the first read)."""
    scope = tenants.scope("pa", "agent")
    chat = _conversation(tenants)
    other = _conversation(tenants)
    seen_while_planning: list[str] = []
    plan = rules.plan

    def lock_now(conversation: Conversation) -> str:
        return "locked" if _locked_elsewhere(conversation) else "free"

    def planning_while_another_session_tries(*args: Any, **kwargs: Any) -> Any:
        seen_while_planning.extend(lock_now(conversation) for conversation in (chat, other))
        return plan(*args, **kwargs)

    monkeypatch.setattr(rules, "plan", planning_while_another_session_tries)

    async def one() -> Message:
        return await ingest.inbound_post(Inbound(scope, chat.pk, "在吗", external_id="w-1"))

    message = _on_server_loop(one)
    assert seen_while_planning == ["locked", "free"]  # the batch's conversation only
    assert message.seq == 2 and Message.all_tenants.filter(conversation=chat).count() == 2
    assert lock_now(chat) == "free"  # committed: the lock went with the transaction


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_batch_never_locks_a_conversation_its_scope_does_not_see(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post to another tenant's conversation is refused without touching its row lock."""
    scope = tenants.scope("pa", "agent")
    mine = _conversation(tenants)
    theirs = _conversation(tenants, org="pb", client="cb")
    seen_while_planning: list[bool] = []
    plan = rules.plan

    def planning(*args: Any, **kwargs: Any) -> Any:
        seen_while_planning.append(_locked_elsewhere(theirs))
        return plan(*args, **kwargs)

    monkeypatch.setattr(rules, "plan", planning)

    async def both() -> list[Any]:
        posts = [Inbound(scope, mine.pk, "在吗"), Inbound(scope, theirs.pk, "你好")]
        return await asyncio.gather(*(ingest.inbound_post(p) for p in posts), return_exceptions=True)

    stored, refused = _on_server_loop(both)
    assert isinstance(stored, Message) and isinstance(refused, NotFound)
    assert seen_while_planning == [False]
    assert Message.all_tenants.filter(conversation=theirs).count() == 1


def _close_this_threads_connection() -> None:
    connection.close()  # the name resolves on the thread that runs this


def _locked_elsewhere(conversation: Conversation) -> bool:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as another:
        try:
            another.execute(
                f"SELECT 1 FROM {pgasync.table(Conversation)} WHERE id = %s FOR UPDATE NOWAIT",
                (conversation.pk,),
            )
        except psycopg.errors.LockNotAvailable:
            return True
    return False


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_racing_retries_of_one_message_are_stored_once(tenants: Tenants) -> None:
    """A connector's retry racing its original from two server processes (two event loops with
    their own writers here): one row, and both racers get it back."""
    scope = tenants.scope("pa", "agent")
    chats = [_conversation(tenants) for _ in range(10)]

    def post_from_own_loop(item: Inbound, start: threading.Barrier) -> Any:
        own_thread = concurrent.futures.ThreadPoolExecutor(max_workers=1)

        async def orm(items: list[Inbound]) -> list[Any]:
            return await asyncio.get_running_loop().run_in_executor(
                own_thread, ingest.inbound_post_many, items
            )

        async def run() -> Any:
            writer = pipeline.EventLoopWriter(orm=orm)
            try:
                start.wait()
                return (await writer.write([item]))[0]
            finally:
                await writer.close()

        try:
            return asyncio.run(run())
        finally:
            own_thread.submit(_close_this_threads_connection).result()
            own_thread.shutdown()

    for trial, chat in enumerate(chats):
        item = Inbound(scope, chat.pk, "在吗？订单还没到", external_id=f"race-{trial}")
        start = threading.Barrier(4)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(post_from_own_loop, [item] * 4, [start] * 4))
        assert all(isinstance(a, Message) for a in answers), answers
        assert len({a.pk for a in answers}) == 1 and answers[0].seq == 2
        assert Message.all_tenants.filter(conversation=chat, external_id=f"race-{trial}").count() == 1
        assert [t for t, _ in _events(chat.pk)].count("message_in") == 2  # the opening message and this one


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_copy_of_an_external_id(tenants: Tenants) -> None:
    chat = _conversation(tenants)
    first = services.message_post(
        tenants.scope("pa", "agent"), conversation_id=chat.pk, body="一", direction="in", external_id="dup"
    )
    copy = Message(
        provider_id=first.provider_id,
        client_id=first.client_id,
        conversation=chat,
        seq=99,
        direction="in",
        body="一",
        external_id="dup",
        delivery="received",
        created_at=first.created_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    copy.external_id, copy.seq = "", 100  # messages without an external id are not constrained
    copy.save()


@pytest.mark.django_db(transaction=True)
def test_webhook_deliveries_are_written_with_the_message_or_not_at_all(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox rows commit with the events that owe them (on the server loop too, where
    PostgreSQL's pipeline leaves listened conversations to the ORM writer)."""
    from kefu.connectors import webhooks
    from kefu.connectors.models import WebhookDelivery

    scope = tenants.scope("pa", "agent")
    webhooks.webhook_create(
        tenants.scope("pa", "provider_admin"), url="https://hooks.example.cn/kefu", event_types=["message_in"]
    )
    chat = _conversation(tenants)
    quiet = _conversation(tenants, org="pb", client="cb")  # nobody listens to pb's conversations
    pb = tenants.scope("pb", "agent")

    async def posts() -> list[Any]:
        items = [Inbound(scope, chat.pk, "在吗", external_id="o-1"), Inbound(pb, quiet.pk, "你好")]
        return await asyncio.gather(*(ingest.inbound_post(i) for i in items))

    heard, unheard = _on_server_loop(posts)
    event = ContactEvent.all_tenants.get(conversation_id=chat.pk, type="message_in", data__seq=heard.seq)
    assert WebhookDelivery.all_tenants.filter(event_id=event.pk).count() == 1
    quiet_events = ContactEvent.all_tenants.filter(conversation_id=quiet.pk).values_list("pk", flat=True)
    assert not WebhookDelivery.all_tenants.filter(event_id__in=list(quiet_events)).exists()
    assert unheard.seq == 2

    def fail_after_the_events(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("the disk is full")

    before = WebhookDelivery.all_tenants.count()
    monkeypatch.setattr(ingest_orm, "_conversations_save", fail_after_the_events)
    with pytest.raises(DatabaseError):
        ingest.inbound_post_many([Inbound(scope, chat.pk, "还在吗")])
    assert WebhookDelivery.all_tenants.count() == before  # rolled back with the message
    assert not Message.all_tenants.filter(conversation=chat, body="还在吗").exists()


@pytest.mark.django_db(transaction=True)
def test_a_malformed_message_fails_alone(tenants: Tenants) -> None:
    """A lone surrogate or NaN among good messages: its own 422, and the others are stored."""
    scope = tenants.scope("pa", "agent")
    chat = _conversation(tenants)
    items = [
        Inbound(scope, chat.pk, "第一条"),
        Inbound(scope, chat.pk, "坏\ud800的"),
        Inbound(scope, chat.pk, "第二条", channel_data={"score": float("nan")}),
        Inbound(scope, chat.pk, "第三条", external_id="\udfff"),
        Inbound(scope, chat.pk, "第四条", channel_data={"n": {"e": [{"s": "\ud800"}]}}),
        Inbound(scope, chat.pk, "第五条"),
    ]

    async def batch() -> list[Any]:
        return await asyncio.gather(*(ingest.inbound_post(i) for i in items), return_exceptions=True)

    answers = _on_server_loop(batch)
    assert [type(a).__name__ for a in answers] == [
        "Message",
        "Invalid",
        "Invalid",
        "Invalid",
        "Invalid",
        "Message",
    ]
    assert [a.field for a in answers[1:5]] == ["body", "channel_data", "external_id", "channel_data"]
    assert [m.body for m in Message.all_tenants.filter(conversation=chat).order_by("seq")][1:] == [
        "第一条",
        "第五条",
    ]


@pytest.mark.django_db(transaction=True)
def test_bearer_api_calls_check_the_host(tenants: Tenants) -> None:
    """A Host outside KEFU_ALLOWED_HOSTS gets the API's JSON 400 on the lean path, ingest included."""
    from kefu.config.asgi import application

    chat = _conversation(tenants)
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "agent"), name="connector")
    url = f"/api/conversations/{chat.pk}/messages"
    assert _http(application, url, {"body": "在吗", "direction": "in"}, raw)[0] == 201  # the token is cached
    for path, body in [(url, {"body": "你好", "direction": "in"}), ("/api/me", None)]:
        status, headers, answer = _http(application, path, body, raw, Host="evil.example")
        assert status == 400 and answer["error"]["code"] == "invalid", (path, answer)
        assert headers[b"content-type"].startswith(b"application/json")
    assert Message.all_tenants.filter(conversation=chat).count() == 2  # nothing written for evil.example


@pytest.mark.django_db(transaction=True)
def test_bad_bodies_on_the_message_route_get_the_documented_errors(tenants: Tenants) -> None:
    """Through the lean bearer path: too large, too deep, or values no column holds."""
    from kefu.config.asgi import application

    chat = _conversation(tenants)
    _token, raw = tenancy_services.api_token_create(user=tenants.user("pa", "agent"), name="connector")
    url = f"/api/conversations/{chat.pk}/messages"
    assert _http(application, url, {"body": "在吗", "direction": "in"}, raw)[0] == 201  # the token is cached
    deep = b'{"body": "x", "direction": "in", "channel_data": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001
    cases = [
        (json.dumps({"body": "长" * 1_300_000, "direction": "in"}).encode(), 413),
        (deep, 400),
        (b'{"body": "\\ud800", "direction": "in"}', 422),
        (b'{"body": "x", "direction": "in", "channel_data": {"n": NaN}}', 422),
        (b'{"body": "x", "direction": "in", "external_id": 99999999999999999999}', 422),
    ]
    for body, expected in cases:
        status, _headers, content = _http_raw(application, url, body, raw)
        answer = json.loads(content)
        assert status == expected, (body[:60], status, answer)
        assert set(answer["error"]) >= {"code", "message"} and answer["error"]["code"] in (
            "invalid",
            "too_large",
        ), answer
    assert Message.all_tenants.filter(conversation=chat).count() == 2
