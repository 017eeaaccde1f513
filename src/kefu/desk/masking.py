"""Masking of customer contact data for display to provider agents.

Unlike redaction (which destroys values on ingest), masking is a view: the stored
value is intact and the client's own staff may see it, but outsourced agents see
only enough to confirm identity with the caller ("尾号5678", "张先生", 杭州).
Pure functions, no Django imports. Masks use a fixed "****" where the hidden part's
length would itself be telling (emails, addresses); names keep one star per hidden
character, as Chinese users expect (张*, 欧阳**).
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "MaskKind",
    "mask",
    "mask_address",
    "mask_email",
    "mask_generic",
    "mask_name",
    "mask_phone",
]

STARS = "****"


class MaskKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"
    ADDRESS = "address"
    GENERIC = "generic"


def mask_generic(value: str) -> str:
    """Keep a little of each end so agents can match a value the customer reads out."""
    v = value.strip()
    n = len(v)
    if n == 0:
        return ""
    if n <= 2:
        return v[0] + "*" * (n - 1) if n == 2 else "*"
    if n <= 6:
        return v[0] + "*" * (n - 2) + v[-1]
    return v[:2] + STARS + v[-2:]


_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")


_INTL_CN = re.compile(r"^(?:\+|00)\s*86[\s\-]*")
_LANDLINE = re.compile(
    r"^\(?0?(?P<area>10|2\d|[3-9]\d{2})\)?[\s\-]*(?P<local>\d{7,8})"
    r"(?:\s*(?:转|ext\.?|x|#|-)\s*(?P<ext>\d{1,6}))?$",
    re.IGNORECASE,
)


def mask_phone(value: str) -> str:
    """``138****5678``, ``+86 138****5678``, ``010-****5678``; others keep the last 4.

    Landline area codes: 010 and 02x have three digits, other 0xxx four. An extension
    (``转123``) is kept: it identifies a desk, not a person.
    """
    v = value.strip().translate(_FULLWIDTH)
    intl = _INTL_CN.match(v)
    rest = v[intl.end() :] if intl else v
    prefix = "+86 " if intl else ""
    compact = re.sub(r"[\s\-()]", "", rest)
    if re.fullmatch(r"1[3-9]\d{9}", compact):
        return f"{prefix}{compact[:3]}****{compact[-4:]}"
    m = _LANDLINE.match(rest)
    if m and (intl or rest.lstrip("(").startswith("0")):
        area = m.group("area") if intl else "0" + m.group("area")
        local = m.group("local")
        out = f"{prefix}{area}-{'*' * (len(local) - 4)}{local[-4:]}"
        return f"{out}-{m.group('ext')}" if m.group("ext") else out
    digits = re.sub(r"\D", "", v)
    if len(digits) >= 7:
        cc = re.match(r"\+(\d{1,3})[\s\-]", v)
        return f"{'+' + cc.group(1) + ' ' if cc else ''}{STARS}{digits[-4:]}"
    return mask_generic(value)


def mask_email(value: str) -> str:
    """``z***@example.com``: first character of the local part, domain kept."""
    v = value.strip()
    local, at, domain = v.rpartition("@")
    if not at or not local or "." not in domain:
        return mask_generic(value)
    return f"{local[0]}***@{domain}"


# Common compound (two-character) surnames; the given name after them is masked.
_COMPOUND = (
    "欧阳司马诸葛上官东方皇甫尉迟公孙慕容长孙宇文司徒夏侯轩辕令狐端木独孤南宫西门百里呼延澹台公冶太史"
    "申屠闻人万俟司空钟离濮阳赫连拓跋第五左丘东郭梁丘闾丘子车颛孙谷梁宗政淳于单于太叔仲孙叱干"
)
_COMPOUND_SURNAMES = frozenset(_COMPOUND[i : i + 2] for i in range(0, len(_COMPOUND), 2))
_CJK = re.compile(r"[\u3400-\u9fff]")


def mask_name(value: str) -> str:
    """``张*``, ``张**``, ``欧阳**``, ``J*** S***``; a middle dot (·) in names is kept."""
    v = value.strip()
    if not v:
        return ""
    if _CJK.match(v):
        keep = 2 if v[:2] in _COMPOUND_SURNAMES and len(v) > 2 else 1
        return v[:keep] + "".join(c if c in "·•." else "*" for c in v[keep:])
    words = v.split()
    return " ".join(w[0] + "***" for w in words)


_PROVINCES = (
    "黑龙江|内蒙古|北京|天津|上海|重庆|河北|山西|辽宁|吉林|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|"
    "广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|广西|西藏|宁夏|新疆|香港|澳门"
)
_ADDRESS = re.compile(
    rf"(?P<prov>(?:{_PROVINCES})(?:省|市|(?:壮族|回族|维吾尔)?自治区|特别行政区)?)"
    r"(?P<city>[^省市区县镇乡路街号\d]{1,8}?(?:市|自治州|地区|盟))?"
)
_CITY_ONLY = re.compile(r"(?P<city>[^省市区县镇乡路街号\d\s]{1,8}?(?:市|自治州|地区|盟))")
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")


def mask_address(value: str) -> str:
    """Keep province and city (for 北京/天津/上海/重庆 the district), mask the rest.

    ``浙江省杭州市西湖区文三路100号`` → ``浙江省杭州市****``. Without a recognisable
    province or city, the generic mask applies.
    """
    v = value.strip()
    if not v:
        return ""
    m = _ADDRESS.match(v)
    if m:
        kept = m.group("prov") + (m.group("city") or "")
        if m.group("prov").startswith(_MUNICIPALITIES) and not m.group("city"):
            d = re.match(r"[^区县路街号\d]{1,6}?[区县]", v[len(kept) :])
            kept += d.group(0) if d else ""
        return kept + STARS if len(kept) < len(v) else kept
    m = _CITY_ONLY.match(v)
    if m:
        return m.group("city") + STARS
    return mask_generic(v)


_MASKERS = {
    MaskKind.PHONE: mask_phone,
    MaskKind.EMAIL: mask_email,
    MaskKind.NAME: mask_name,
    MaskKind.ADDRESS: mask_address,
    MaskKind.GENERIC: mask_generic,
}


def mask(kind: MaskKind | str, value: str | None) -> str:
    """Dispatch by kind; an unknown kind gets the generic mask (fail closed, never raw)."""
    if not value:
        return ""
    try:
        masker = _MASKERS[MaskKind(kind)]
    except ValueError:
        masker = mask_generic
    return masker(value)
