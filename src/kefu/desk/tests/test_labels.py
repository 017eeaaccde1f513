"""Every code of the desk a person can read has words in zh-Hans and en: choices of the
models, suggested resolution codes, system tags, reply routes."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.utils import translation

from kefu.desk import labels

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ACRONYMS = {"API"}  # read the same in both languages


def _choice_labels() -> list[tuple[str, object]]:
    found = []
    for model in apps.get_app_config("desk").get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "choices", None) or []:
                found.append((f"{model.__name__}.{field.name}={value}", label))
    return found


CODES = [
    *_choice_labels(),
    *[(f"resolution={code}", label) for code, label in labels.RESOLUTION_CODES],
    *[(f"tag={tag}", label) for tag, label in labels.TAG_LABELS.items()],
]


@pytest.mark.parametrize(("code", "label"), CODES, ids=[c for c, _label in CODES])
def test_every_code_a_person_reads_is_translated(code: str, label: object) -> None:
    with translation.override("zh-hans"):
        assert CHINESE.search(str(label)) or str(label) in ACRONYMS, f"{code}: no Chinese words"
    with translation.override("en"):
        assert not CHINESE.search(str(label)), f"{code}: no English words"


def test_resolution_words_map_back_to_their_code_in_either_language() -> None:
    with translation.override("zh-hans"):
        assert labels.resolution_code_from_input("已解答") == "answered"
        assert labels.resolution_label("answered") == "已解答"
    with translation.override("en"):
        assert labels.resolution_code_from_input("Answered") == "answered"
    assert labels.resolution_code_from_input("客户自定义") == "客户自定义"
