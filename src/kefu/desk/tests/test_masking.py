"""Masking of contact data shown to provider agents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.desk.masking import MaskKind, mask, mask_address, mask_email, mask_generic, mask_name, mask_phone


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("+86 138-1234-5678", "+86 138****5678"),
        ("008613812345678", "+86 138****5678"),
        ("010-12345678", "010-****5678"),
        ("01012345678", "010-****5678"),
        ("0571-88886666", "0571-****6666"),
        ("(0571) 8888666", "0571-***8666"),
        ("0571-88886666转123", "0571-****6666-123"),
        ("+86 10 12345678", "+86 10-****5678"),
        ("+1 415 555 0100", "+1 ****0100"),
        ("400-123-4567", "****4567"),
        ("12345", "1***5"),
    ],
)
def test_mask_phone(raw: str, shown: str) -> None:
    assert mask_phone(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("a@b.cn", "a***@b.cn"),
        ("first.last+tag@mail.qq.com", "f***@mail.qq.com"),
        ("not-an-email", "no****il"),
    ],
)
def test_mask_email(raw: str, shown: str) -> None:
    assert mask_email(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳锋", "欧阳*"),
        ("司马", "司*"),  # two characters: a single surname plus given name
        ("阿卜杜·热合曼", "阿**·***"),
        (" John Smith ", "J*** S***"),
        ("", ""),
    ],
)
def test_mask_name(raw: str, shown: str) -> None:
    assert mask_name(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("浙江省杭州市西湖区文三路100号", "浙江省杭州市****"),
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("上海市浦东新区世纪大道1号", "上海市浦东新区****"),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放路", "新疆维吾尔自治区乌鲁木齐市****"),
        ("广西壮族自治区南宁市青秀区", "广西壮族自治区南宁市****"),
        ("吉林省延边朝鲜族自治州延吉市", "吉林省延边朝鲜族自治州****"),
        ("杭州市西湖区文三路", "杭州市****"),
        ("浙江杭州西湖区", "浙江****"),
        ("浙江省杭州市", "浙江省杭州市"),
        ("1600 Amphitheatre Pkwy", "16****wy"),
    ],
)
def test_mask_address(raw: str, shown: str) -> None:
    assert mask_address(raw) == shown


def test_generic_and_dispatch() -> None:
    assert [mask_generic(v) for v in ("", "a", "ab", "abc", "abcdefgh")] == ["", "*", "a*", "a*c", "ab****gh"]
    assert mask(MaskKind.PHONE, "13812345678") == "138****5678"
    assert mask("email", "zhang@example.com") == "z***@example.com"
    assert mask("name", "张三") == "张*"
    assert mask("address", "浙江省杭州市西湖区") == "浙江省杭州市****"
    assert mask("wechat_id", "wxid_abcdef123") == "wx****23"  # unknown kind: generic, never raw
    assert mask("phone", None) == "" and mask("phone", "") == ""


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_middle_never_shown(number: str) -> None:
    shown = mask_phone(number)
    assert shown == f"{number[:3]}****{number[-4:]}"


@given(
    st.sampled_from([MaskKind.PHONE, MaskKind.EMAIL, MaskKind.NAME, MaskKind.GENERIC]),
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=3, max_size=40),
)
def test_masked_value_never_equals_raw(kind: MaskKind, value: str) -> None:
    # Addresses are left out: a bare "省+市" is kept whole on purpose.
    assert mask(kind, value) != value
