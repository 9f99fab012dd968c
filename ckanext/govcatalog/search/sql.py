"""Compile a parsed Solr query (solr_syntax AST) into a SQL condition on govcatalog_search_document.

Field semantics follow CKAN's Solr schema: text fields (title, notes, text, res_name, extras_*...)
match analyzed words; every other field is an exact string (tags, res_format, organization,
capacity, state, site_id, data_category...). The free-text field (no field, or ``text``) searches
the weighted tsvector that holds all searchable text.
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from typing import Any

from . import solr_syntax as syn
from . import synonyms, thai

TEXT_FIELDS = frozenset({"title", "notes", "res_name", "res_description", "author", "maintainer", "urls"})
TEXT_FIELD_PREFIXES = ("extras_", "res_extras_")
FREE_TEXT_FIELDS = frozenset({"text", "_text_"})
NUMERIC_FIELDS = frozenset({"num_resources", "num_tags", "views_total", "views_recent"})
# Fields every search filters on, kept as columns so that the planner has real statistics.
COLUMN_FIELDS = {"id": "d.id", "name": "d.name", "site_id": "d.site_id", "state": "d.state", "capacity": "d.capacity",
                 "dataset_type": "d.dataset_type"}
# Ranges on fields that are columns of their own, compared as the jsonb values would be (a date
# range on metadata_modified, the DCAT cursor's id range): the same answer without unnesting
# every row's values.
RANGE_COLUMNS = {("metadata_modified", "timestamptz"): "d.metadata_modified", ("id", "text"): 'd.id COLLATE "C"'}
# CKAN's autocomplete asks Solr's n-gram copies of name and title: here, a substring of the column.
NGRAM_COLUMNS = {"name_ngram": "d.name", "title_ngram": "d.title_folded"}
MIN_NGRAM = 2  # as CKAN's Solr schema (minGramSize): a single character matches no n-gram
# At most this many terms (words, ranges, field clauses) per query string: bounds the SQL and the
# tsquery PostgreSQL must plan (5,000 OR-ed words used to exhaust its stack).
MAX_TERMS = 2000
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_FIELD_NAME = re.compile(r"^[\w.\-]+$")


def is_text_field(name: str) -> bool:
    return name in TEXT_FIELDS or name.startswith(TEXT_FIELD_PREFIXES)


# The first characters of each value of a field kept as given (beside the lexemes, for text fields):
# ranges and sorts read them.
MAX_KEPT_VALUE = 256


def keeps_values(name: str) -> bool:
    """Whether ranges and sorts work on the field: every field but the long texts (title, notes...),
    which Solr cannot sort either; extras are short key-values that catalogs do filter by range."""
    return not is_text_field(name) or name.startswith(TEXT_FIELD_PREFIXES)


def refuse_range_on_text(name: str) -> None:
    if not keeps_values(name):
        raise syn.SolrSyntaxError(f"Cannot filter the text field {name!r} by range")


def is_date_field(name: str) -> bool:
    return name in ("metadata_modified", "metadata_created", "indexed_ts") or name.endswith("_date")


def quote_lexeme(lexeme: str) -> str:
    """A lexeme quoted for tsquery/tsvector text, so PostgreSQL does not re-parse it."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_literal(lexeme: str, prefix: bool = False) -> str:
    return quote_lexeme(lexeme) + (":*" if prefix else "")


def _exact_or_sub(word: str) -> str:
    """A word found as a whole word or as a meaningful part of a longer one (marked sub-word)."""
    if not thai.is_thai(word):
        return tsquery_literal(word)
    return f"({tsquery_literal(word)} | {tsquery_literal(thai.sub_lexeme(word))})"


def word_query(word: str, prefix: bool = False) -> str:
    """A query word as tsquery: the word itself, or a longer word it is a meaningful part of
    (เกษตร in เกษตรกร), or its core (ผู้สูงอายุ: สูงอายุ), or, for a Thai compound, all of its parts."""
    if prefix:
        return tsquery_literal(word, prefix)
    alternatives = [_exact_or_sub(word)]
    alternatives.extend(_exact_or_sub(core) for core in thai.query_cores(word))
    parts = thai.query_alternatives(word)
    if len(parts) >= 2:
        alternatives.append("(" + " & ".join(_exact_or_sub(p) for p in parts) + ")")
    return alternatives[0] if len(alternatives) == 1 else "(" + " | ".join(alternatives) + ")"


def words_query(words: tuple[str, ...]) -> str:
    return " & ".join(word_query(w) for w in words)


def ranking_alternatives(word: str) -> list[str]:
    """The lexemes that rank a document found other than by the exact word."""
    if not thai.is_thai(word):
        return []
    out = [thai.sub_lexeme(word)]
    for core in thai.query_cores(word):
        out.extend([core, thai.sub_lexeme(core)])
    out.extend(thai.query_alternatives(word))
    return out


@dataclass
class Compiled:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


class QueryTooLarge(syn.SolrSyntaxError):
    """More terms than MAX_TERMS in one query string."""


def balanced_sum(terms: list[str]) -> str:
    """``a + b + c + d`` as ``((a + b) + (c + d))``: PostgreSQL recurses once per nesting level."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return f"({balanced_sum(terms[:middle])} + {balanced_sum(terms[middle:])})"


@dataclass
class SqlCompiler:
    """Turns AST nodes into SQL; collects bind parameters and the free-text words (for ranking).

    ``default_field`` is Solr's ``df``: the field of bare words (None or ``text``: all text).
    """

    now: datetime.datetime
    default_field: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    ranking_words: list[str] = field(default_factory=list)
    # lexemes that found a document other than by the exact word (sub-words, synonyms): rank lower
    ranking_alternatives: list[str] = field(default_factory=list)
    synonyms: Any = None  # synonyms.Expansions; None: no synonym expansion
    ranking_sql: list[str] = field(default_factory=list)
    terms: int = 0
    _counter: int = 0

    def count_terms(self, number: int) -> None:
        self.terms += max(1, number)
        if self.terms > MAX_TERMS:
            raise QueryTooLarge(f"The query has more than {MAX_TERMS:,} terms")

    def start_query(self) -> None:
        """Each query string (q, each fq) gets its own MAX_TERMS."""
        self.terms = 0

    def bind(self, value: Any) -> str:
        self._counter += 1
        name = f"p{self._counter}"
        self.params[name] = value
        return f":{name}"

    def compile(self, node: syn.Node) -> str:
        if isinstance(node, syn.MatchAll):
            return "TRUE"
        if isinstance(node, syn.And):
            return "(" + " AND ".join(self.compile(c) for c in node.children) + ")"
        if isinstance(node, syn.Or):
            return "(" + " OR ".join(self.compile(c) for c in node.children) + ")"
        if isinstance(node, syn.Not):
            return f"(NOT {self.compile(node.child)})"
        if isinstance(node, syn.Exists):
            self.count_terms(1)
            return f"(d.terms ? {self.bind(node.field)})"
        if isinstance(node, syn.Range):
            self.count_terms(1)
            return self._range(node)
        if isinstance(node, syn.Term):
            return self._term(node)
        raise syn.SolrSyntaxError(f"Unsupported query element: {node!r}")

    def min_match(self, clauses: list[syn.Node], required: int) -> str:
        """Dismax ``mm``: at least ``required`` of the clauses match.

        All required is a plain AND; otherwise the OR of the clauses comes first, so that the
        text index can find the candidates before the count is checked.
        """
        compiled = [self.compile(c) for c in clauses]
        if required >= len(compiled):
            return "(" + " AND ".join(compiled) + ")"
        summed = balanced_sum([f"({c})::int" for c in compiled])
        return f"(({' OR '.join(compiled)}) AND {summed} >= {int(required)})"

    # --- terms ---------------------------------------------------------------
    def _term(self, term: syn.Term) -> str:
        name = term.field or self.default_field
        if name is None or name in FREE_TEXT_FIELDS:
            return self._free_text(term)
        _check_field(name)
        if name in NGRAM_COLUMNS:
            return self._ngram(NGRAM_COLUMNS[name], term)
        if is_text_field(name):
            return self._text_field(name, term)
        self.count_terms(1)
        if name in COLUMN_FIELDS and not term.prefix:
            return f"({COLUMN_FIELDS[name]} = {self.bind(term.value)})"
        if name == "permission_labels" and not term.prefix:
            return f"({self.bind(term.value)} = ANY(d.permission_labels))"
        if term.prefix:
            return (
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(d.terms -> "
                f"{self.bind(name)}) v WHERE v LIKE {self.bind(_like_prefix(term.value))})"
            )
        return f"(d.terms @> CAST({self.bind(json.dumps({name: [term.value]}))} AS jsonb))"

    def _free_text(self, term: syn.Term) -> str:
        words = thai.words(term.value)
        self.count_terms(len(words))
        if not words:
            return "TRUE"  # only stop-words or punctuation: like Solr, they do not restrict
        self.ranking_words.extend(words)
        if term.prefix or term.phrase or not self.synonyms:
            last = len(words) - 1
            tsquery = " & ".join(word_query(w, prefix=term.prefix and i == last) for i, w in enumerate(words))
            for word in words:
                self.ranking_alternatives.extend(ranking_alternatives(word))
        else:
            units = synonyms.match(words, self.synonyms)
            tsquery = " & ".join(self._unit_query(unit, others) for unit, others in units)
        condition = f"(d.tsv @@ CAST({self.bind(tsquery)} AS tsquery))"
        if term.phrase and len(words) > 1:
            condition = f"({condition} AND strpos(d.word_text, {self.bind(' ' + ' '.join(words) + ' ')}) > 0)"
        return condition

    def _unit_query(self, unit: tuple[str, ...], others: tuple[tuple[str, ...], ...]) -> str:
        """A word (or a run of words that is a synonym term) or any of its synonyms."""
        for word in unit:
            self.ranking_alternatives.extend(ranking_alternatives(word))
        for other in others:
            self.count_terms(len(other))
            self.ranking_alternatives.extend(other)
        if not others:
            return words_query(unit)
        return "(" + " | ".join(f"({words_query(w)})" for w in (unit, *others)) + ")"

    def _text_field(self, name: str, term: syn.Term) -> str:
        words = thai.words(term.value)
        self.count_terms(len(words))
        if not words:
            return "TRUE"
        if term.prefix:
            *whole, last = words
            conditions = ([f"(d.field_lexemes @> CAST({self.bind(json.dumps({name: whole}))} AS jsonb))"]
                          if whole else [])
            conditions.append(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(d.field_lexemes -> "
                f"{self.bind(name)}) v WHERE v LIKE {self.bind(_like_prefix(last))})"
            )
            return "(" + " AND ".join(conditions) + ")"
        condition = f"(d.field_lexemes @> CAST({self.bind(json.dumps({name: words}))} AS jsonb))"
        if term.phrase and len(words) > 1:
            condition = f"({condition} AND strpos(d.word_text, {self.bind(' ' + ' '.join(words) + ' ')}) > 0)"
        return condition

    def _ngram(self, column: str, term: syn.Term) -> str:
        """Every whitespace-separated part of the value appears somewhere in the column (lower-cased),
        so ``ประชากร`` finds a title with it in the middle; prefix matches rank first."""
        parts = thai.normalize(term.value).split()
        self.count_terms(len(parts))
        if not parts or any(len(p) < MIN_NGRAM for p in parts):
            return "FALSE"
        conditions = []
        for part in parts:
            conditions.append(f"({column} LIKE {self.bind('%' + _like_prefix(part))})")
            self.ranking_sql.append(f"(CASE WHEN starts_with({column}, {self.bind(part)}) THEN 1.0 "
                                    f"WHEN {conditions[-1]} THEN 0.5 ELSE 0 END)")
        return "(" + " AND ".join(conditions) + ")"

    # --- ranges --------------------------------------------------------------
    def _range(self, node: syn.Range) -> str:
        _check_field(node.field)
        refuse_range_on_text(node.field)
        low: datetime.datetime | str | None
        high: datetime.datetime | str | None
        if is_date_field(node.field):
            cast, low, high = "timestamptz", self._date_bound(node.low), self._date_bound(node.high)
            value = "CASE WHEN v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN v::timestamptz END"
        elif all(b is None or _NUMBER.match(b) for b in (node.low, node.high)):
            cast, low, high = "numeric", node.low, node.high
            value = "CASE WHEN v ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN v::numeric END"
        else:
            cast, low, high = "text", node.low, node.high
            value = 'v COLLATE "C"'
        column = RANGE_COLUMNS.get((node.field, cast))
        if column is not None:  # the column that holds the field's one value: no per-row jsonb unnesting
            value = column
        checks = []
        if low is not None:
            checks.append(f"{value} {'>=' if node.include_low else '>'} CAST({self.bind(low)} AS {cast})")
        if high is not None:
            checks.append(f"{value} {'<=' if node.include_high else '<'} CAST({self.bind(high)} AS {cast})")
        if column is not None:
            return "(" + (" AND ".join(checks) or f"{column} IS NOT NULL") + ")"
        where = " AND ".join(checks) or "v IS NOT NULL"
        return (
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(d.terms -> "
            f"{self.bind(node.field)}) v WHERE {where})"
        )

    def _date_bound(self, value: str | None) -> datetime.datetime | None:
        if value is None:
            return None
        resolved = syn.resolve_date_math(value, self.now)
        if resolved is None:
            raise syn.SolrSyntaxError(f"Invalid date in range: {value!r}")
        return resolved


def _check_field(name: str) -> None:
    if not _FIELD_NAME.match(name):
        raise syn.SolrSyntaxError(f"Invalid field name: {name!r}")


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
