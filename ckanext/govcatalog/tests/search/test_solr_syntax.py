"""Tests for the Solr query-syntax parser of the PostgreSQL search backend.

Pure unit tests: no CKAN, no database. Run alone with
``.venv/bin/python -m pytest -p no:ckan -p no:cacheprovider -o addopts= -q <this file>``.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ckanext.govcatalog.search.solr_syntax import (
    MAX_DEPTH,
    And,
    Exists,
    MatchAll,
    Node,
    Not,
    Or,
    Range,
    SolrSyntaxError,
    Term,
    parse,
    resolve_date_math,
)
from ckanext.govcatalog.tests.schema.fuzzing import examples


def t(field: str | None, value: str, phrase: bool = False, prefix: bool = False) -> Term:
    return Term(field, value, phrase=phrase, prefix=prefix)


def w(value: str) -> Term:
    """A bare word in the default field."""
    return Term(None, value)


def all_but(*excluded: Node) -> And:
    """Everything except ``excluded``: how purely negative queries parse."""
    return And((MatchAll(), *(Not(node) for node in excluded)))


# ------------------------------------------------------------- bare words


@pytest.mark.parametrize("text, expected", [
    ("population", w("population")),
    ("ประชากร", w("ประชากร")),
    ("  population  ", w("population")),
    ("ประชากร จังหวัด", And((w("ประชากร"), w("จังหวัด")))),
    ("a b c", And((w("a"), w("b"), w("c")))),
    # lower-case operators are plain words
    ("cats and dogs", And((w("cats"), w("and"), w("dogs")))),
    ("cats or dogs", And((w("cats"), w("or"), w("dogs")))),
    ("not dogs", And((w("not"), w("dogs")))),
    ("a TO b", And((w("a"), w("TO"), w("b")))),
    # characters that are only special at the start of a word
    ("covid-19", w("covid-19")),
    ("c++", w("c++")),
    ("wow!", w("wow!")),
    ("AT&T", w("AT&T")),
    ("a|b", w("a|b")),
    ("text/csv", w("text/csv")),
    ("3.14", w("3.14")),
])
def test_bare_words(text: str, expected: Node) -> None:
    assert parse(text) == expected


def test_bare_words_with_default_operator_or() -> None:
    assert parse("ประชากร จังหวัด", "OR") == Or((w("ประชากร"), w("จังหวัด")))
    assert parse("a b c", default_operator="OR") == Or((w("a"), w("b"), w("c")))


def test_default_operator_is_case_insensitive_and_validated() -> None:
    assert parse("a b", "or") == Or((w("a"), w("b")))
    with pytest.raises(SolrSyntaxError, match="default_operator"):
        parse("a b", "XOR")


def test_bare_phrase() -> None:
    assert parse('"จำนวนประชากร"') == t(None, "จำนวนประชากร", phrase=True)
    assert parse('"health care"') == t(None, "health care", phrase=True)
    assert parse('""') == t(None, "", phrase=True)


def test_phrase_keeps_special_characters_literally() -> None:
    assert parse('"a:b (c) [d] * AND -e"') == t(None, "a:b (c) [d] * AND -e", phrase=True)


# ---------------------------------------------------------- field clauses


@pytest.mark.parametrize("text, expected", [
    ("title:population", t("title", "population")),
    ('title:"quoted phrase"', t("title", "quoted phrase", phrase=True)),
    ("title: spaced", t("title", "spaced")),
    ("*:*", MatchAll()),
    ("res_format:*", Exists("res_format")),
    ("tags:eco*", t("tags", "eco", prefix=True)),
    ("eco*", t(None, "eco", prefix=True)),
    ("*", MatchAll()),
    (r"tags:eco\*", t("tags", "eco*")),
    ('tags:"eco*"', t("tags", "eco*", phrase=True)),
    ("organization:dept-of-stats", t("organization", "dept-of-stats")),
    ("res_format:text/csv", t("res_format", "text/csv")),
    ("tags:a+b", t("tags", "a+b")),
    ("title:ประชากร", t("title", "ประชากร")),
])
def test_field_clauses(text: str, expected: Node) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("field", [
    "extras_data_category", "res_format", "metadata_modified", "site_id",
    "dataset_type", "capacity", "vocab_xyz", "res_extras_foo.bar", "x-y", "f2", "_private",
])
def test_field_names(field: str) -> None:
    assert parse(f"{field}:value") == t(field, "value")


@pytest.mark.parametrize("text, expected", [
    ("tags:(a OR b)", Or((t("tags", "a"), t("tags", "b")))),
    ("tags:(a b)", And((t("tags", "a"), t("tags", "b")))),
    ("tags:(a -b)", And((t("tags", "a"), Not(t("tags", "b"))))),
    ('title:("a b" c*)', And((t("title", "a b", phrase=True), t("title", "c", prefix=True)))),
    ("tags:(a (b OR c))", And((t("tags", "a"), Or((t("tags", "b"), t("tags", "c")))))),
    ("tags:(*)", Exists("tags")),
    ("tags:(a title:b)", And((t("tags", "a"), t("title", "b")))),  # an inner field wins
    ("num:([1 TO 2] OR 5)", Or((Range("num", "1", "2", True, True), t("num", "5")))),
])
def test_field_applies_to_every_term_of_a_group(text: str, expected: Node) -> None:
    assert parse(text) == expected


def test_field_group_with_default_operator_or() -> None:
    assert parse("tags:(a b)", "OR") == Or((t("tags", "a"), t("tags", "b")))


# ---------------------------------------------------------------- escapes


@pytest.mark.parametrize("text, expected", [
    (r"name:abc\-def", t("name", "abc-def")),
    (r"title:a\:b", t("title", "a:b")),
    (r"\-leading", w("-leading")),
    (r"\+plus", w("+plus")),
    (r"\(x\)", w("(x)")),
    (r"a\ b", w("a b")),
    (r"a\\b", w("a\\b")),
    (r"what\?", w("what?")),
    (r"\AND", w("AND")),
    (r'title:"say \"hi\""', t("title", 'say "hi"', phrase=True)),
    (r'"back\\slash"', t(None, "back\\slash", phrase=True)),
    (r"url:http\://example.org/a.csv", t("url", "http://example.org/a.csv")),
    (r"metadata_modified:2024-01-01T00\:00\:00Z", t("metadata_modified", "2024-01-01T00:00:00Z")),
])
def test_escapes(text: str, expected: Node) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", [
    "title:a:b",
    "metadata_modified:2024-01-01T00:00:00Z",
    "url:http://example.org",
])
def test_unescaped_colon_in_a_value_is_an_error(text: str) -> None:
    with pytest.raises(SolrSyntaxError, match="':'"):
        parse(text)


# -------------------------------------------------------------- operators


@pytest.mark.parametrize("text, expected", [
    ("+a", w("a")),
    ("-a", all_but(w("a"))),
    ("- a", all_but(w("a"))),
    ("NOT a", all_but(w("a"))),
    ("!a", all_but(w("a"))),
    ("+tags:(a OR b)", Or((t("tags", "a"), t("tags", "b")))),
    ("-(a b)", all_but(And((w("a"), w("b"))))),
    ("-title:x", all_but(t("title", "x"))),
    ("NOT NOT a", w("a")),
    ("a AND b", And((w("a"), w("b")))),
    ("a && b", And((w("a"), w("b")))),
    ("a OR b", Or((w("a"), w("b")))),
    ("a || b", Or((w("a"), w("b")))),
    ("a AND NOT b", And((w("a"), Not(w("b"))))),
    ("a && !b", And((w("a"), Not(w("b"))))),
    ("a AND -b", And((w("a"), Not(w("b"))))),
    ("a OR -b", Or((w("a"), Not(w("b"))))),
    ("a NOT b", And((w("a"), Not(w("b"))))),
    ("a AND(b)", And((w("a"), w("b")))),
    ("a&&b", w("a&&b")),
])
def test_prefix_and_infix_operators(text: str, expected: Node) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("a OR b AND c", Or((w("a"), And((w("b"), w("c")))))),
    ("a AND b OR c AND d", Or((And((w("a"), w("b"))), And((w("c"), w("d")))))),
    ("NOT a AND b", And((Not(w("a")), w("b")))),
    ("NOT a OR b", Or((Not(w("a")), w("b")))),
    ("(a OR b) AND c", And((Or((w("a"), w("b"))), w("c")))),
    ("a OR b OR c", Or((w("a"), w("b"), w("c")))),
    ("a AND b AND c", And((w("a"), w("b"), w("c")))),
    # a sequence of clauses binds loosest
    ("a b OR c", And((w("a"), Or((w("b"), w("c")))))),
    ("a OR b c", And((Or((w("a"), w("b"))), w("c")))),
])
def test_precedence(text: str, expected: Node) -> None:
    assert parse(text) == expected


def test_precedence_with_default_operator_or() -> None:
    assert parse("a b OR c", "OR") == Or((w("a"), w("b"), w("c")))
    assert parse("a AND b c", "OR") == Or((And((w("a"), w("b"))), w("c")))


@pytest.mark.parametrize("text, operator, expected", [
    # optional clauses next to required ones only affect scoring: dropped
    ("+a b", "AND", And((w("a"), w("b")))),  # bare b is required under AND
    ("+a b", "OR", w("a")),
    ("+a +b c", "OR", And((w("a"), w("b")))),
    ("a b", "OR", Or((w("a"), w("b")))),
    ("a -b", "OR", And((w("a"), Not(w("b"))))),
    ("a b -c", "OR", And((Or((w("a"), w("b"))), Not(w("c"))))),
    ("+a b -c", "OR", And((w("a"), Not(w("c"))))),
    ("+a -c", "AND", And((w("a"), Not(w("c"))))),
    ("-a -b", "AND", all_but(w("a"), w("b"))),
    ("-a -b", "OR", all_but(w("a"), w("b"))),
    ("-a NOT b", "AND", all_but(w("a"), w("b"))),
    ("-a AND -b", "AND", all_but(w("a"), w("b"))),
    ("NOT a AND NOT b", "OR", all_but(w("a"), w("b"))),
    ("x OR (-a AND -b)", "AND", Or((w("x"), all_but(w("a"), w("b"))))),
    ("(-a) b", "AND", And((Not(w("a")), w("b")))),  # MatchAll is redundant next to b
])
def test_lucene_clause_sequences(text: str, operator: str, expected: Node) -> None:
    assert parse(text, operator) == expected


# ------------------------------------------------------------ parentheses


def test_parentheses_nest() -> None:
    assert parse("((a))") == w("a")
    assert parse("(a (b (c OR d)))") == And((w("a"), w("b"), Or((w("c"), w("d")))))
    assert parse("((a OR b) (c OR (d AND e)))") == And((
        Or((w("a"), w("b"))), Or((w("c"), And((w("d"), w("e"))))),
    ))


def test_nesting_limit() -> None:
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == w("a")
    deeper = "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(SolrSyntaxError, match="nested more than 50") as info:
        parse(deeper)
    assert info.value.position == MAX_DEPTH
    with pytest.raises(SolrSyntaxError):
        parse("(" * 10_000)


def test_field_groups_count_towards_the_nesting_limit() -> None:
    with pytest.raises(SolrSyntaxError, match="nested"):
        parse("tags:" + "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))


def test_long_chains_of_operators_do_not_recurse() -> None:
    assert parse("!" * 10_000 + "a") == w("a")
    assert parse("-" * 10_001 + "a") == all_but(w("a"))
    assert parse(" OR ".join(["a"] * 5_000)) == Or(tuple([w("a")] * 5_000))


# ----------------------------------------------------------------- ranges


@pytest.mark.parametrize("text, expected", [
    ("num:[1 TO 5]", Range("num", "1", "5", True, True)),
    ("num:{1 TO 5}", Range("num", "1", "5", False, False)),
    ("num:[1 TO 5}", Range("num", "1", "5", True, False)),
    ("num:{1 TO 5]", Range("num", "1", "5", False, True)),
    ("num:[* TO 5]", Range("num", None, "5", True, True)),
    ("num:[1 TO *]", Range("num", "1", None, True, True)),
    ("num:[* TO *]", Range("num", None, None, True, True)),
    ("num:[ 1   TO   5 ]", Range("num", "1", "5", True, True)),
    ('name:["a b" TO "c"]', Range("name", "a b", "c", True, True)),
    ('name:["*" TO z]', Range("name", "*", "z", True, True)),
    (r"name:[a\]b TO c]", Range("name", "a]b", "c", True, True)),
    ("num:[-5 TO -1]", Range("num", "-5", "-1", True, True)),
    ("metadata_modified:[2024-01-01T00:00:00Z TO NOW]",
     Range("metadata_modified", "2024-01-01T00:00:00Z", "NOW", True, True)),
    ("metadata_modified:[NOW-1DAY TO *]", Range("metadata_modified", "NOW-1DAY", None, True, True)),
    ("metadata_created:[NOW/DAY-7DAYS TO NOW/DAY+1DAY}",
     Range("metadata_created", "NOW/DAY-7DAYS", "NOW/DAY+1DAY", True, False)),
])
def test_ranges(text: str, expected: Node) -> None:
    assert parse(text) == expected


def test_range_in_boolean_expression() -> None:
    assert parse("-num:[1 TO 5] AND tags:x") == And((Not(Range("num", "1", "5", True, True)), t("tags", "x")))


@pytest.mark.parametrize("text, message", [
    ("num:[a TO ]", "missing its upper bound"),
    ("num:[a TO b", "never closed"),
    ("num:[a to b]", "upper-case 'TO'"),
    ("num:[a b]", r"\[low TO high\]"),
    ("num:[a TO b TO c]", r"\[low TO high\]"),
    ("num:[]", r"\[low TO high\]"),
    ('num:[a "TO" b]', r"\[low TO high\]"),
    ("num:[a TO [b]]", "Unexpected '\\['"),
    ("[a TO b]", "needs a field"),
    ("num:a]", "no matching opening bracket"),
])
def test_range_errors(text: str, message: str) -> None:
    with pytest.raises(SolrSyntaxError, match=message):
        parse(text)


# ---------------------------------------------------------- local params


@pytest.mark.parametrize("text, expected", [
    ("{!tag=res_format}res_format:CSV", t("res_format", "CSV")),
    ("{!ex=tags}tags:a OR tags:b", Or((t("tags", "a"), t("tags", "b")))),
    ("  {!tag=a,b} tags:x", t("tags", "x")),
    ("{!tag=a ex=b}x", w("x")),
    ("{!tag=groups}", MatchAll()),
])
def test_tag_local_params_are_stripped(text: str, expected: Node) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", [
    "{!lucene}a", "{!dismax qf=title}population", "{!tag=x q.op=OR}a", "{!}a", "{!tag=}a",
    "{!tag=x", "a {!tag=x}b", "_query_:\"{!dismax}x\"",
])
def test_other_local_params_are_rejected(text: str) -> None:
    with pytest.raises(SolrSyntaxError):
        parse(text)


# --------------------------------------------------------- simplification


@pytest.mark.parametrize("text, expected", [
    ("", MatchAll()),
    ("   \t\n", MatchAll()),
    ("\u3000", MatchAll()),
    ("(a)", w("a")),
    ("a AND (b AND c)", And((w("a"), w("b"), w("c")))),
    ("(a OR b) OR c", Or((w("a"), w("b"), w("c")))),
    ("(a OR b) AND (c OR d)", And((Or((w("a"), w("b"))), Or((w("c"), w("d")))))),
    ("(a b) c", And((w("a"), w("b"), w("c")))),
    ("*:* AND a", w("a")),
    ("*:* a", w("a")),
    ("*:* OR a", MatchAll()),
    ("*:* -a", all_but(w("a"))),
    ("*:* AND *:*", MatchAll()),
])
def test_simplification(text: str, expected: Node) -> None:
    assert parse(text) == expected


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize("text, message, position", [
    ("(a", "never closed with '\\)'", 0),
    ("((a)", "never closed with '\\)'", 0),
    ("a)", "no matching '\\('", 1),
    ("(a))", "no matching '\\('", 3),
    ('"abc', "never closed", 0),
    ('title:"abc', "never closed", 6),
    ("field:", "no value", 0),
    ("field: ", "no value", 0),
    ("(field:)", "no value", 1),
    ("field:AND", "no value", 0),
    ("AND", "needs a search clause before", 0),
    ("OR", "needs a search clause before", 0),
    ("AND a", "needs a search clause before", 0),
    ("a AND", "must be followed", 2),
    ("a ||", "must be followed", 2),
    ("a OR OR b", "must be followed", 2),
    ("a AND OR b", "must be followed", 2),
    ("(a AND)", "must be followed", 3),
    ("NOT", "must be followed", 0),
    ("-", "must be followed", 0),
    ("a +", "must be followed", 2),
    ("()", "Empty parentheses", 0),
    (":a", "Unexpected ':'", 0),
    ("title:a:b", "Unexpected ':'", 7),
    ("a^2", "not supported", 1),
    ("a~2", "not supported", 1),
    ('"a b"~3', "not supported", 5),
    ("te?t", "Wildcards", 2),
    ("te*t", "Wildcards", 2),
    ("*test", "Wildcards", 0),
    ("**", "Wildcards", 0),
    ("title:?", "Wildcards", 6),
    ("trailing\\", "backslash", 8),
    ('"trailing\\', "never closed", 0),
    ("bad!:x", "not a valid field name", 0),
    ("*:foo", "only supported in '\\*:\\*'", 0),
    ("_val_:x", "not supported", 0),
    ("}", "no matching opening bracket", 0),
    ("a {!tag=x}", "only allowed at the start", 2),
])
def test_syntax_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(SolrSyntaxError, match=message) as info:
        parse(text)
    assert info.value.position == position
    assert f"at position {position}" in str(info.value)


def test_syntax_error_is_a_value_error() -> None:
    assert issubclass(SolrSyntaxError, ValueError)
    assert str(SolrSyntaxError("plain")) == "plain"


# ------------------------------------------------------ what CKAN sends


@pytest.mark.parametrize("text, expected", [
    ("+dataset_type:dataset", t("dataset_type", "dataset")),
    ("+capacity:public", t("capacity", "public")),
    ('+site_id:"default"', t("site_id", "default", phrase=True)),
    ("+state:(draft OR active)", Or((t("state", "draft"), t("state", "active")))),
    ('+owner_org:"abc-123" +dataset_type:dataset',
     And((t("owner_org", "abc-123", phrase=True), t("dataset_type", "dataset")))),
    ("-type:harvest", all_but(t("type", "harvest"))),
    ('tags:"health care"', t("tags", "health care", phrase=True)),
    ('res_format:"CSV"', t("res_format", "CSV", phrase=True)),
    ("organization:dept-of-stats", t("organization", "dept-of-stats")),
    ("metadata_modified:[2024-01-01T00:00:00Z TO NOW]",
     Range("metadata_modified", "2024-01-01T00:00:00Z", "NOW", True, True)),
    ("metadata_modified:[NOW-1DAY TO *]", Range("metadata_modified", "NOW-1DAY", None, True, True)),
    ('+harvest_source_id:"6d1e4a52-0bd6-4b6c-9d0e-7f3c2f1a9b88"',
     t("harvest_source_id", "6d1e4a52-0bd6-4b6c-9d0e-7f3c2f1a9b88", phrase=True)),
    ("name:test-dataset OR title:ประชากร", Or((t("name", "test-dataset"), t("title", "ประชากร")))),
    ("groups:economy AND NOT tags:old", And((t("groups", "economy"), Not(t("tags", "old"))))),
    ("(tags:a OR tags:b) AND -res_format:PDF",
     And((Or((t("tags", "a"), t("tags", "b"))), Not(t("res_format", "PDF"))))),
    ('extras_data_category:"ข้อมูลสาธารณะ"', t("extras_data_category", "ข้อมูลสาธารณะ", phrase=True)),
    ("ประชากร จังหวัด", And((w("ประชากร"), w("จังหวัด")))),
    ('"จำนวนประชากร"', t(None, "จำนวนประชากร", phrase=True)),
    ('+dataset_type:dataset +capacity:public -type:harvest +site_id:"default"',
     And((t("dataset_type", "dataset"), t("capacity", "public"), t("site_id", "default", phrase=True),
          Not(t("type", "harvest"))))),
    ('{!tag=res_format}res_format:"CSV" OR res_format:"XLSX"',
     Or((t("res_format", "CSV", phrase=True), t("res_format", "XLSX", phrase=True)))),
    ("+permission_labels:(public OR member-abc OR creator-def)",
     Or((t("permission_labels", "public"), t("permission_labels", "member-abc"),
         t("permission_labels", "creator-def")))),
])
def test_strings_ckan_sends(text: str, expected: Node) -> None:
    assert parse(text) == expected


# --------------------------------------------------------------- date math

NOW = datetime(2024, 3, 15, 10, 20, 30, 123456, tzinfo=timezone.utc)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        microsecond: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, expected", [
    ("NOW", NOW),
    ("  NOW ", NOW),
    ("NOW-1DAY", NOW - timedelta(days=1)),
    ("NOW+2MONTHS", utc(2024, 5, 15, 10, 20, 30, 123456)),
    ("NOW/DAY", utc(2024, 3, 15)),
    ("NOW-7DAYS/DAY", utc(2024, 3, 8)),
    ("NOW/DAY+1DAY", utc(2024, 3, 16)),
    ("NOW/DAY-7DAYS", utc(2024, 3, 8)),
    ("NOW-1YEAR/MONTH", utc(2023, 3, 1)),
    ("NOW+1HOUR-30MINUTES+15SECONDS", utc(2024, 3, 15, 10, 50, 45, 123456)),
    ("NOW/YEAR", utc(2024, 1, 1)),
    ("NOW/MONTH", utc(2024, 3, 1)),
    ("NOW/DATE", utc(2024, 3, 15)),
    ("NOW/HOUR", utc(2024, 3, 15, 10)),
    ("NOW/MINUTE", utc(2024, 3, 15, 10, 20)),
    ("NOW/SECOND", utc(2024, 3, 15, 10, 20, 30)),
    ("NOW/MILLI", utc(2024, 3, 15, 10, 20, 30, 123000)),
    ("NOW+13MONTHS", utc(2025, 4, 15, 10, 20, 30, 123456)),
    ("now-1day", NOW - timedelta(days=1)),  # lenient about case
    ("2024-01-01", utc(2024, 1, 1)),
    ("2024-01-01T10:20:30Z", utc(2024, 1, 1, 10, 20, 30)),
    ("2024-01-01T10:20:30", utc(2024, 1, 1, 10, 20, 30)),
    ("2024-01-01T10:20:30.123Z", utc(2024, 1, 1, 10, 20, 30, 123000)),
    ("2024-01-01T10:20:30.123456789Z", utc(2024, 1, 1, 10, 20, 30, 123456)),
    ("2024-01-01T00:00:00Z+1DAY", utc(2024, 1, 2)),
    ("2024-01-01T10:20:30Z/DAY-1MONTH", utc(2023, 12, 1)),
    ("2024-01-31T00:00:00Z+1MONTH", utc(2024, 2, 29)),
    ("2023-01-31T00:00:00Z+1MONTH", utc(2023, 2, 28)),
    ("2024-03-31T00:00:00Z-1MONTH", utc(2024, 2, 29)),
    ("2024-02-29T00:00:00Z+1YEAR", utc(2025, 2, 28)),
    ("2024-12-15+1MONTH", utc(2025, 1, 15)),
    ("2024-01-15-1MONTH", utc(2023, 12, 15)),
])
def test_resolve_date_math(value: str, expected: datetime) -> None:
    assert resolve_date_math(value, NOW) == expected


@pytest.mark.parametrize("unit, delta", [
    ("YEAR", utc(2025, 3, 15, 10, 20, 30, 123456) - NOW),
    ("MONTH", utc(2024, 4, 15, 10, 20, 30, 123456) - NOW),
    ("DAY", timedelta(days=1)),
    ("DATE", timedelta(days=1)),
    ("HOUR", timedelta(hours=1)),
    ("MINUTE", timedelta(minutes=1)),
    ("SECOND", timedelta(seconds=1)),
    ("MILLI", timedelta(milliseconds=1)),
    ("MILLISECOND", timedelta(milliseconds=1)),
])
def test_all_units_singular_and_plural(unit: str, delta: timedelta) -> None:
    assert resolve_date_math(f"NOW+1{unit}", NOW) == NOW + delta
    plural = "DAYS" if unit == "DATE" else unit + "S"
    assert resolve_date_math(f"NOW+1{plural}", NOW) == NOW + delta


def test_date_math_result_is_utc() -> None:
    bangkok = timezone(timedelta(hours=7))
    local_now = datetime(2024, 3, 15, 1, 0, tzinfo=bangkok)  # still 14 March in UTC
    assert resolve_date_math("NOW/DAY", local_now) == utc(2024, 3, 14)
    naive = resolve_date_math("NOW", datetime(2024, 3, 15, 1, 0))
    assert naive == utc(2024, 3, 15, 1, 0)
    assert naive is not None and naive.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [
    "", "abc", "*", "123", "NOWHERE", "NOW-1FORTNIGHT", "NOW/WEEK", "NOW+", "NOW-DAY",
    "NOW 1DAY", "2024-13-01", "2024-02-30", "2024-01-01abc", "2024-1-1", "NOW+99999YEARS",
    "NOW-1000000000DAYS", "9999-12-31T23:59:59Z+1DAY",
])
def test_not_a_date(value: str) -> None:
    assert resolve_date_math(value, NOW) is None


# ------------------------------------------------------ properties (fuzz)


def fuzz(count: int) -> settings:
    # No deadline: the first examples also pay for imports and a cold start.
    return settings(max_examples=examples(count), deadline=None)


def assert_simplified(node: Node) -> None:
    """And/Or have two or more children and never nest their own kind; MatchAll
    appears inside them only as the first child of an And of negations."""
    stack = [node]
    while stack:
        current = stack.pop()
        assert isinstance(current, Node)
        if isinstance(current, (And, Or)):
            children = current.children
            assert len(children) >= 2
            assert not any(isinstance(child, type(current)) for child in children)
            if isinstance(current, And):
                assert not all(isinstance(child, Not) for child in children)
            if isinstance(current, And) and children[0] == MatchAll():
                assert all(isinstance(child, Not) for child in children[1:])
            else:
                assert MatchAll() not in children
            stack.extend(children)
        elif isinstance(current, Not):
            stack.append(current.child)


def parse_or_syntax_error(text: str, operator: str = "AND") -> None:
    try:
        node = parse(text, operator)
    except SolrSyntaxError:
        return
    assert_simplified(node)


@fuzz(500)
@given(st.text(), st.sampled_from(["AND", "OR"]))
def test_parse_arbitrary_text_returns_node_or_syntax_error(text: str, operator: str) -> None:
    parse_or_syntax_error(text, operator)


SYNTAX_PIECES = st.sampled_from([
    "a", "ก", "f", ":", "*", '"', "\\", "(", ")", "[", "]", "{", "}", "!", "+", "-", "&&", "||",
    "^", "~", "?", " ", "\t", "AND", "OR", "NOT", "TO", "{!tag=x}", "NOW", "/DAY",
])


@fuzz(1000)
@given(st.lists(SYNTAX_PIECES, max_size=40).map("".join), st.sampled_from(["AND", "OR"]))
def test_parse_syntax_soup_returns_node_or_syntax_error(text: str, operator: str) -> None:
    parse_or_syntax_error(text, operator)


VALUES = st.sampled_from([
    "a", "ประชากร", "x-y", "eco*", '"a b"', "f:v", "f:*", "*:*", "f:[1 TO *]", "f:{a TO b]",
    "f:(a OR b)", r"a\:b", '"ข้อมูล \\"x\\""',
])
CLAUSES = st.tuples(st.sampled_from(["", "+", "-", "NOT ", "!"]), VALUES).map("".join)
QUERIES = st.recursive(CLAUSES, lambda inner: st.one_of(
    st.tuples(inner, st.sampled_from([" ", " AND ", " OR ", " && ", " || ", " NOT "]), inner).map("".join),
    st.tuples(st.sampled_from(["", "+", "-", "f:"]), inner).map(lambda p: f"{p[0]}({p[1]})"),
), max_leaves=20)


@fuzz(500)
@given(QUERIES, st.sampled_from(["AND", "OR"]))
def test_well_formed_queries_always_parse(text: str, operator: str) -> None:
    assume(text.count("(") <= MAX_DEPTH)
    assert_simplified(parse(text, operator))


@fuzz(500)
@given(st.text(max_size=40) | st.sampled_from(["NOW", "2024-01-01"]).flatmap(
    lambda base: st.text("+-/0123456789DAYSMONTHYERHOURMINUTESECONDMILLI", max_size=20).map(lambda s: base + s)))
def test_resolve_date_math_returns_utc_or_none(value: str) -> None:
    result = resolve_date_math(value, NOW)
    assert result is None or result.utcoffset() == timedelta(0)
