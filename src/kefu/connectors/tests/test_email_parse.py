"""Reading emails (no database): bodies, charsets, encoded subjects, attachments, quotes, threading."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from kefu.connectors import mailparse
from kefu.connectors.mailparse import MailParseError


def plain(body: str = "你好，我的订单还没到。", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", "张三 <zhang@example.cn>")
    message["To"] = "support@shop.example.cn"
    message["Subject"] = headers.pop("Subject", "订单问题")
    message["Message-ID"] = headers.pop("Message_ID", "<m1@example.cn>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def test_a_plain_utf8_mail_gives_sender_subject_ids_and_text() -> None:
    mail = mailparse.parse(
        plain(In_Reply_To="<a@x>", References="<root@x> <a@x>", Message_ID="<m1@example.cn>")
    )

    assert (mail.from_name, mail.from_address) == ("张三", "zhang@example.cn")
    assert mail.subject == "订单问题"
    assert mail.message_id == "<m1@example.cn>"
    assert mail.in_reply_to == ("<a@x>",)
    assert mail.references == ("<root@x>", "<a@x>")
    assert mail.thread_ids() == ["<a@x>", "<root@x>"]
    assert mail.text == "你好，我的订单还没到。"
    assert (mail.from_html, mail.attachments, mail.quoted_removed) == (False, (), False)


def test_multipart_alternative_prefers_the_plain_part_and_lists_attachments() -> None:
    message = EmailMessage()
    message["From"] = "li@example.cn"
    message["Subject"] = "发票"
    message.set_content("请看附件里的发票。")
    message.add_alternative("<p>HTML <b>version</b></p>", subtype="html")
    message.add_attachment(
        b"%PDF-1.4 " + b"x" * 2000, maintype="application", subtype="pdf", filename="发票.pdf"
    )
    message.add_attachment(b"MZ" * 10, maintype="application", subtype="octet-stream", filename="setup.EXE")

    mail = mailparse.parse(message.as_bytes())

    assert mail.text == "请看附件里的发票。"
    assert [a.as_dict() for a in mail.attachments] == [
        {"filename": "发票.pdf", "content_type": "application/pdf", "size": 2009, "blocked": False},
        {"filename": "setup.EXE", "content_type": "application/octet-stream", "size": 20, "blocked": True},
    ]
    assert mail.message_id.endswith("@kefu.invalid>")  # no Message-ID: one derived from the bytes


def test_an_html_only_mail_becomes_text_without_scripts_styles_or_markup() -> None:
    html = (
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<p>您好：</p><p>商品有&nbsp;破损 &amp; 漏液。</p><script>alert(1)</script>"
        "<ul><li>订单 123</li><li>订单 456</li></ul>"
        "<blockquote>上一封邮件</blockquote></body></html>"
    )
    message = EmailMessage()
    message["From"] = "wang@example.cn"
    message["Subject"] = "破损"
    message.set_content(html, subtype="html")

    mail = mailparse.parse(message.as_bytes())

    assert mail.from_html
    assert mail.text == "您好：\n\n商品有 破损 & 漏液。\n\n- 订单 123\n\n- 订单 456\n\n> 上一封邮件"
    assert mail.reply == "您好：\n\n商品有 破损 & 漏液。\n\n- 订单 123\n\n- 订单 456"
    assert "alert" not in mail.text and "color" not in mail.text and "<" not in mail.text


def test_encoded_word_subjects_and_names_in_chinese_are_decoded() -> None:
    gb2312 = base64.b64encode("订单问题".encode("gb2312"))
    raw = (
        b"From: =?UTF-8?B?5byg5LiJ?= <zhang@example.cn>\r\n"
        b"Subject: =?gb2312?B?" + gb2312 + b"?= =?UTF-8?Q?_=E9=80=80=E6=AC=BE?=\r\n"
        b"Message-ID: <enc@example.cn>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"
    )

    mail = mailparse.parse(raw)

    assert mail.from_name == "张三"
    assert mail.subject == "订单问题 退款"


def test_gb2312_labelled_bodies_with_gbk_characters_are_read() -> None:
    text = "您好，镕铖的订单什么时候发货？"  # 镕 and 铖 are in GBK but not in GB2312
    raw = (
        b"From: zhao@example.cn\r\nSubject: =?GBK?B?"
        + base64.b64encode("发货".encode("gbk"))
        + b"?=\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + text.encode("gbk")
    )

    mail = mailparse.parse(raw)

    assert mail.text == text
    assert mail.subject == "发货"


def test_raw_utf8_headers_are_read() -> None:
    raw = "From: 李四 <li@example.cn>\r\nSubject: 退货申请\r\n\r\n想退货\r\n".encode()

    mail = mailparse.parse(raw)

    assert (mail.from_name, mail.subject, mail.text) == ("李四", "退货申请", "想退货")


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("好的，谢谢。\n\nOn Mon, 1 Jun 2026 at 10:00, Support <s@x.cn> wrote:\n> 已发货\n", "好的，谢谢。"),
        ("好的\n\nOn Mon, 1 Jun 2026 at 10:00, Support\n<s@x.cn> wrote:\n> 已发货\n", "好的"),
        ("收到了\n\n在 2026年6月1日 10:00，客服 <s@x.cn> 写道：\n> 已发货\n", "收到了"),
        ("还没到\n\n------------------ 原始邮件 ------------------\n发件人: 客服\n", "还没到"),
        ("Thanks\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n", "Thanks"),
        ("Thanks\n\nFrom: Support <s@x.cn>\nSent: Monday, June 1\nTo: me\n\nold", "Thanks"),
        ("第一行\n> 引用\n第二行\n> 引用结尾\n", "第一行\n> 引用\n第二行"),
        ("> 全部都是引用\n> 没有新内容\n", "> 全部都是引用\n> 没有新内容"),
    ],
)
def test_quoted_history_is_cut_from_replies(body: str, reply: str) -> None:
    assert mailparse.parse(plain(body)).reply == reply


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The email is empty."),
        (b"   \r\n", "The email is empty."),
        (b"just some words, no headers at all", "This is not an email: it has no headers."),
        (b"Subject: hi\r\n\r\nbody", "The email has no sender address (From)."),
        (b"From: nobody\r\nSubject: hi\r\n\r\nbody", "The email has no sender address (From)."),
        (b"From: a@b.cn\r\nSubject: hi\r\n\r\n", "The email has neither text nor attachments."),
    ],
)
def test_what_is_no_email_is_refused_with_a_reason(raw: bytes, message: str) -> None:
    with pytest.raises(MailParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        mailparse.parse(raw)


@pytest.mark.parametrize(
    ("subject", "token", "base"),
    [
        ("Re: 订单问题 [#123]", 123, "订单问题"),
        ("回复：RE: Fwd: 订单问题 [#7] [#8]", 8, "订单问题"),
        ("订单问题", None, "订单问题"),
        ("[#abc] 订单", None, "[#abc] 订单"),
    ],
)
def test_subject_tokens_and_base_subjects(subject: str, token: int | None, base: str) -> None:
    assert mailparse.subject_token(subject) == token
    assert mailparse.base_subject(subject) == base


def test_a_composed_reply_carries_the_threading_headers() -> None:
    composed = mailparse.compose_reply(
        from_name="家居店客服",
        from_address="support@shop.example.cn",
        to_address="zhang@example.cn",
        subject=mailparse.reply_subject("Re: 订单问题 [#12]", 12),
        body="您好，已为您补发。",
        message_id="<r1@shop.example.cn>",
        in_reply_to="<m2@example.cn>",
        references=mailparse.reply_references("<m2@example.cn>", ["<m1@example.cn>", "<r0@shop.example.cn>"]),
        date=datetime(2026, 6, 1, 10, 0, tzinfo=UTC),
    )

    parsed = message_from_bytes(composed.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Re: 订单问题 [#12]"
    assert str(parsed["From"]) == "家居店客服 <support@shop.example.cn>"
    assert str(parsed["To"]) == "zhang@example.cn"
    assert parsed["Message-ID"] == "<r1@shop.example.cn>"
    assert parsed["In-Reply-To"] == "<m2@example.cn>"
    assert parsed["References"] == "<m1@example.cn> <r0@shop.example.cn> <m2@example.cn>"
    assert parsed.get_content().strip() == "您好，已为您补发。"
    assert mailparse.parse(composed.as_bytes()).subject == "Re: 订单问题 [#12]"
