"""Synonyms applied at query time: a list the catalog manager edits (govcatalog_synonym_* actions,
the /ckan-admin/synonyms page), with a government starter list and Thai/English loanword pairs.

A group is a set of terms that mean the same to a searcher (คนจน ~ ยากจน, โฮมสเตย์ ~ homestay ~
home stay). A query word or run of words equal to one term of a group also searches the others;
such matches rank below exact-word matches. Terms are compared after the same analysis as the
index (Thai segmentation, English stemming), so "homestays" matches the term "homestay".
"""
from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import Column, Text, types
from sqlalchemy.dialects.postgresql import ARRAY

import ckan.model as model
import ckan.plugins.toolkit as tk

from . import thai
from ..clock import now

TABLE = "govcatalog_search_synonym"
MAX_TERMS_PER_GROUP = 20
MAX_TERM_LENGTH = 100
MAX_TERM_WORDS = 4  # a term of more words than this never matches a query (bounds the scan)
CACHE_SECONDS = 10.0  # other worker processes see an edit within this time

# The starter list (the migration loads it): government statistics vocabulary and loanwords.
STARTER_GROUPS: tuple[tuple[str, ...], ...] = (
    ("คนจน", "ยากจน", "ความยากจน", "poverty", "poor"),
    ("โฮมสเตย์", "homestay", "home stay"),
    ("ประชากร", "population"),
    ("ผู้สูงอายุ", "elderly", "older persons"),
    ("ผู้พิการ", "คนพิการ", "persons with disabilities", "disability"),
    ("เกษตรกร", "farmer"),
    ("หนี้สิน", "debt"),
    ("ค่าใช้จ่าย", "รายจ่าย", "expenditure"),
    ("ร้องเรียน", "ร้องทุกข์", "complaint"),
    ("ครัวเรือน", "household"),
    ("แรงงาน", "คนงาน", "labour", "labor", "workers"),
    ("ว่างงาน", "unemployment"),
    ("รายได้", "income"),
    ("งบประมาณ", "budget"),
    ("นักท่องเที่ยว", "tourist"),
    ("โรงพยาบาล", "hospital"),
    ("โรงเรียน", "school"),
    ("นักเรียน", "student"),
    ("อุบัติเหตุ", "accident"),
    ("ยาเสพติด", "narcotics", "drugs"),
    ("น้ำท่วม", "อุทกภัย", "flood"),
    ("ภัยแล้ง", "drought"),
    ("ฝุ่น", "pm2.5", "pm 2.5"),
    ("ขยะ", "ขยะมูลฝอย", "waste"),
    ("รถยนต์", "car", "vehicle"),
    # Thai/English loanword (transliteration) pairs and common spelling variants
    ("อินเทอร์เน็ต", "อินเตอร์เน็ต", "internet"),
    ("คอมพิวเตอร์", "computer"),
    ("ดิจิทัล", "ดิจิตอล", "digital"),
    ("ออนไลน์", "online"),
    ("เทคโนโลยี", "technology"),
    ("โควิด", "โควิด-19", "covid", "covid-19"),
    ("วัคซีน", "vaccine"),
    ("แอปพลิเคชัน", "แอพพลิเคชั่น", "แอป", "application", "app"),
    ("เว็บไซต์", "website"),
    ("คลินิก", "clinic"),
    ("ฟาร์ม", "farm"),
    ("กอล์ฟ", "golf"),
    ("โฮเทล", "โรงแรม", "hotel"),
    ("แท็กซี่", "taxi"),
    ("มอเตอร์ไซค์", "จักรยานยนต์", "motorcycle"),
    ("ไฟฟ้า", "electricity"),
    ("ก๊าซ", "แก๊ส", "gas"),
    ("อีเมล", "อีเมล์", "email"),
    ("ข้อมูลเปิด", "open data"),
)



class SynonymGroup(tk.BaseModel):
    """One group of terms searched as one (created by migrations/govcatalog_search 0005)."""

    __tablename__ = TABLE

    id: Any = Column(Text, primary_key=True, default=lambda: str(uuid.uuid4()))
    terms: Any = Column(ARRAY(Text), nullable=False)
    created: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)
    modified: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)
    modified_by: Any = Column(Text)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "terms": list(self.terms), "modified": self.modified.isoformat()}


def analyse(term: str) -> tuple[str, ...]:
    """A term as the lexemes a query is compared on."""
    return tuple(thai.words(term))


# --- the expansion table, cached per process ---------------------------------------

Expansions = dict[tuple[str, ...], tuple[tuple[str, ...], ...]]
_lock = threading.Lock()
_cache: dict[str, Any] = {"at": 0.0, "table": None}


def invalidate() -> None:
    with _lock:
        _cache["table"] = None


def expansions() -> Expansions:
    """term lexemes -> the other terms' lexemes, from the table (re-read every CACHE_SECONDS)."""
    with _lock:
        table = _cache["table"]
        if table is not None and time.monotonic() - _cache["at"] < CACHE_SECONDS:
            return table
    table = build_expansions(_read_groups())
    with _lock:
        _cache.update(table=table, at=time.monotonic())
    return table


def _read_groups() -> list[list[str]]:
    try:
        exists = model.Session.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": TABLE}).scalar()
        if not exists:
            return []
        return [list(t) for (t,) in model.Session.execute(sa.text(f"SELECT terms FROM {TABLE}"))]
    except sa.exc.SQLAlchemyError:
        return []  # never fail a search because of the synonym list


def build_expansions(groups: list[list[str]]) -> Expansions:
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for terms in groups:
        analysed = list(dict.fromkeys(a for a in (analyse(t) for t in terms) if a and len(a) <= MAX_TERM_WORDS))
        for key in analysed:
            others = table.setdefault(key, [])
            others.extend(a for a in analysed if a != key and a not in others)
    return {k: tuple(v) for k, v in table.items() if v}


def match(words: list[str], table: Expansions) -> list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]:
    """Split query words into units, longest synonym term first: [(unit words, alternatives)]."""
    units: list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_TERM_WORDS, len(words) - i), 0, -1):
            key = tuple(words[i:i + size])
            if key in table or size == 1:
                units.append((key, table.get(key, ())))
                i += size
                break
    return units


def is_term(words: tuple[str, ...]) -> bool:
    return words in expansions()


# --- validation --------------------------------------------------------------------

def clean_terms(value: Any) -> list[str]:
    """The terms of a group as submitted (a list, or text with one term per line or comma)."""
    if isinstance(value, str):
        value = [t for line in value.splitlines() for t in line.split(",")]
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise tk.Invalid(tk._("Give the terms as a list of text"))
    terms = list(dict.fromkeys(" ".join(t.split()) for t in value if t and t.strip()))
    if len(terms) < 2:
        raise tk.Invalid(tk._("A synonym group needs at least two terms"))
    if len(terms) > MAX_TERMS_PER_GROUP:
        raise tk.Invalid(tk._("A synonym group has at most {n} terms").format(n=MAX_TERMS_PER_GROUP))
    for term in terms:
        if len(term) > MAX_TERM_LENGTH or "\x00" in term:
            raise tk.Invalid(tk._("A term has at most {n} characters").format(n=MAX_TERM_LENGTH))
        words = analyse(term)
        if not words:
            raise tk.Invalid(tk._("The term {term!r} has no searchable word").format(term=term))
        if len(words) > MAX_TERM_WORDS:
            raise tk.Invalid(tk._("A term has at most {n} words").format(n=MAX_TERM_WORDS))
    return terms


def get(group_id: Optional[str]) -> Optional[SynonymGroup]:
    return model.Session.get(SynonymGroup, group_id) if isinstance(group_id, str) else None
