"""The Solr request parameters the PostgreSQL backend honours, checked before any SQL is built.

Solr ignores nothing it is sent, so neither may its stand-in: a parameter outside
``SUPPORTED_PARAMS``, or a value the backend cannot honour (``qf`` other than CKAN's default, a
boost, a non-numeric ``mm``...), is refused with CKAN's SearchQueryError (HTTP 400) naming it.
The size limits keep one request from holding a worker or a database connection for long.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from ckan.lib.search.common import SearchQueryError
from ckan.lib.search.query import QUERY_FIELDS

MAX_INT = 2**31 - 1  # rows, start, facet.limit, facet.mincount: PostgreSQL's LIMIT/OFFSET stay sane
MAX_QUERY_CHARS = 50_000  # q and each fq; the permission-label filter of a user in ~1,000 groups fits
MAX_FACET_FIELDS = 100  # each is one aggregate over the matches; CKAN's pages ask for about ten
DEF_TYPES = frozenset({"lucene", "dismax", "edismax"})
DEFAULT_TIE = "0.1"

# Parameters that change the result and are honoured; pure formatting ones (wt) are accepted as CKAN
# sends them. ``qf`` and ``tie`` are accepted only at CKAN's defaults, which the ranking reproduces.
# ``fq_list`` reaches the connection too, after CKAN has already merged it into ``fq``.
SUPPORTED_PARAMS = frozenset({
    "q", "fq", "fq_list", "rows", "start", "sort", "fl", "df", "defType", "mm", "q.op", "qf", "tie", "wt",
    "facet", "facet.field", "facet.limit", "facet.mincount",
})
FIXED_VALUES = {"qf": (QUERY_FIELDS,), "tie": (DEFAULT_TIE, "0.1", 0.1), "wt": ("json",)}

# Solr's mm: a number or percentage, optionally after "n<" conditions (e.g. "2<-1 5<80%").
_MM_PART = re.compile(r"^(\d+<)?-?\d+%?$")


@dataclass(frozen=True)
class SearchParams:
    """A checked Solr request: what ``PostgresSolrConnection.search`` works from."""

    q: str
    fq: list[str]
    rows: int
    start: int
    sort: Optional[str]
    fl: Any
    def_type: str
    mm: Optional[str]
    q_op: str
    df: Optional[str]
    facet_fields: list[str]
    facet_limit: int
    facet_mincount: int


def refuse(name: str, why: str) -> SearchQueryError:
    return SearchQueryError(f"Parameter {name!r}: {why}")


def check_names(params: dict[str, Any]) -> None:
    unknown = sorted(set(params) - SUPPORTED_PARAMS)
    if unknown:
        raise SearchQueryError(
            f"Parameters not supported by this catalog's search: {', '.join(unknown)} "
            f"(supported: {', '.join(sorted(SUPPORTED_PARAMS))})"
        )
    for name, allowed in FIXED_VALUES.items():
        if params.get(name) not in (None, "", *allowed):
            raise refuse(name, f"only the default {allowed[0]!r} is supported")


def integer(params: dict[str, Any], name: str, default: int, low: int) -> int:
    value = params.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise refuse(name, f"{value!r} is not an integer") from None
    if isinstance(value, float) or not low <= number <= MAX_INT:
        raise refuse(name, f"must be a whole number from {low} to {MAX_INT}")
    return number


def no_nul(name: str, value: str) -> str:
    if "\x00" in value:  # PostgreSQL text cannot hold it; psycopg2 would raise before sending
        raise refuse(name, "contains a NUL character")
    return value


def query_string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise refuse(name, f"must be a query string, not {type(value).__name__}")
    no_nul(name, value)
    if len(value) > MAX_QUERY_CHARS:
        raise refuse(name, f"is {len(value):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v]
    return [value] if value else []


def facet_fields(params: dict[str, Any]) -> list[str]:
    if str(params.get("facet", "true")).lower() not in ("true", "on", "1", "yes"):
        return []
    names = as_list(params.get("facet.field"))
    if not all(isinstance(n, str) and no_nul("facet.field", n) for n in names):
        raise refuse("facet.field", "must be a list of field names")
    names = list(dict.fromkeys(names))
    if len(names) > MAX_FACET_FIELDS:
        raise refuse("facet.field", f"{len(names):,} fields asked; the limit is {MAX_FACET_FIELDS}")
    return names


def minimum_match(value: Any) -> Optional[str]:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.split() or not all(_MM_PART.match(p) for p in value.split()):
        raise refuse("mm", f"{value!r} is not a Solr minimum-match such as '2' or '2<-1 5<80%'")
    return value


def choice(params: dict[str, Any], name: str, default: str, allowed: frozenset[str]) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise refuse(name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
    return str(value)


def check(q: Any, params: dict[str, Any]) -> SearchParams:
    """The request as the backend will run it, or SearchQueryError naming the first bad parameter."""
    check_names(params)
    df = params.get("df")
    if df is not None and not (isinstance(df, str) and re.fullmatch(r"[\w.\-]+", df)):
        raise refuse("df", f"{df!r} is not a field name")
    return SearchParams(
        q=query_string("q", q if q is not None else "*:*"),
        fq=[query_string("fq (with fq_list)", f) for f in as_list(params.get("fq"))],
        rows=integer(params, "rows", 10, 0),
        start=integer(params, "start", 0, 0),
        sort=query_string("sort", params["sort"]) if params.get("sort") else None,
        fl=params.get("fl"),
        def_type=choice(params, "defType", "lucene", DEF_TYPES),
        mm=minimum_match(params.get("mm")),
        q_op=choice({"q.op": str(params.get("q.op") or "AND").upper()}, "q.op", "AND", frozenset({"AND", "OR"})),
        df=df,
        facet_fields=facet_fields(params),
        facet_limit=max(-1, integer(params, "facet.limit", 50, -MAX_INT)),  # any negative: no limit
        facet_mincount=integer(params, "facet.mincount", 1, 0),
    )
