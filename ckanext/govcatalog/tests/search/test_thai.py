"""Thai segmentation and English stemming used at index and query time."""
from __future__ import annotations

import pytest

from ckanext.govcatalog.search import thai


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("จำนวนประชากรรายจังหวัด", ["จำนวน", "ประชากร", "ราย", "จังหวัด"]),
        ("ตารางสถิติ", ["ตาราง", "สถิติ"]),
        ("สุขภาพตา", ["สุขภาพ", "ตา"]),
        ("Schools and Registrations", ["school", "registr"]),
        ("ฝุ่น PM2.5 ปี 2566", ["ฝุ่น", "pm2", "5", "ปี", "2566"]),
    ],
)
def test_words_segment_thai_and_stem_english(text, expected):
    assert thai.words(text) == expected


def test_compound_is_indexed_by_its_parts():
    lexemes = thai.index_lexemes("การทะเบียนราษฎร")
    assert "การทะเบียนราษฎร" in lexemes
    assert "ทะเบียน" in lexemes
    assert "ราษฎร" in lexemes


def test_nested_compound_parts_are_found():
    assert "ทะเบียน" in thai.index_lexemes("การจดทะเบียนสมรส")


@pytest.mark.parametrize("word", ["ตาราง", "ประชากร", "ทะเบียน", "สุขภาพ"])
def test_short_words_are_not_split(word):
    # A short word is one word: ตา must not be found inside ตาราง, ทะ inside ทะเบียน.
    assert thai.index_lexemes(word) == [word]


def test_parts_shorter_than_three_letters_are_not_indexed():
    assert "จด" not in thai.index_lexemes("จดทะเบียน")


def test_case_is_folded_and_thai_sara_am_kept_composed():
    assert thai.words("SCHOOL") == ["school"]
    # NFKC would split ำ into two code points and break the dictionary look-up; NFC keeps it.
    assert thai.words("จำนวน") == ["จำนวน"]


def test_stop_words_and_punctuation_give_no_words():
    assert thai.words("the (of) , and") == []
