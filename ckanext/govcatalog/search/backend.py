"""The PostgreSQL search backend: a Solr connection look-alike that stores and queries in PostgreSQL.

CKAN's search layer (``ckan.lib.search.index`` and ``.query``) builds Solr documents and Solr
requests and hands them to ``make_connection()``. By answering that call with
:class:`PostgresSolrConnection`, every core path keeps its own logic unchanged: the document CKAN
indexes (after ``before_dataset_index`` hooks, with permission labels), the filters
``package_search`` adds (site, state, capacity, permission labels), ``search-index
rebuild|clear|show``, organization and group counts. Only the storage and the query engine differ.

Writes join the caller's database transaction, so a dataset and its index entry are committed (or
rolled back) together.
"""
from __future__ import annotations

import datetime
import json
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model
from ckan.lib.search.common import SearchError, SearchQueryError

from . import params as solr_params
from . import solr_syntax as syn
from . import synonyms, thai
from .sql import (
    MAX_KEPT_VALUE, NUMERIC_FIELDS, SqlCompiler, balanced_sum, is_date_field, is_text_field, keeps_values, quote_lexeme,
    tsquery_literal,
)

log = logging.getLogger(__name__)

TABLE = "govcatalog_search_document"
BLOB_FIELDS = ("data_dict", "validated_data_dict")
DEFAULT_MM = "2<-1 5<80%"
TRANSACTION_STATUS_IDLE = 0  # libpq: the server is outside any transaction block
PROGRAM_LIMIT_EXCEEDED = "54"  # SQLSTATE class: stack depth, statement too complex, too many columns

# Which parts of the Solr document feed the free-text field, and with what weight.
# CKAN's Solr schema copies these into its catch-all ``text`` field; the weights give the ranking
# title > tags > notes > everything else.
WEIGHT_A_FIELDS = ("title", "name")
WEIGHT_B_FIELDS = ("tags", "groups")
WEIGHT_C_FIELDS = ("notes",)
WEIGHT_D_FIELDS = ("text", "license", "organization", "res_name", "res_description", "maintainer", "author")
WEIGHT_D_PREFIXES = ("extras_", "res_extras_", "vocab_")
# How much a match through a sub-word or a synonym counts against an exact word (below 1: exact first).
ALTERNATIVE_WEIGHT = 0.5
MAX_POSITION = 16383  # PostgreSQL's limits for tsvector positions
MAX_POSITIONS_PER_LEXEME = 256
# PostgreSQL refuses a tsvector whose distinct lexemes exceed 1 MiB in all; keep clear of it.
MAX_TSVECTOR_BYTES = 1_000_000


def weighted_tsvector(lexemes_by_weight: dict[str, list[str]]) -> str:
    """tsvector text with positions, so that each lexeme carries its weight (a tsvector without
    positions cannot hold weights, and ts_rank would then score every match alike).

    Past MAX_TSVECTOR_BYTES of distinct lexemes, further new lexemes are left out (a dataset whose
    text is that large still indexes, by its first megabyte of vocabulary)."""
    positions: dict[str, list[str]] = {}
    position = 0
    size = 0  # as PostgreSQL counts it: each lexeme (aligned) with a 2-byte count, 2 bytes a position
    for weight in ("A", "B", "C", "D"):
        for lexeme in lexemes_by_weight.get(weight, []):
            position = min(position + 1, MAX_POSITION)
            entries = positions.get(lexeme)
            cost = 2 if entries is not None else len(lexeme.encode("utf-8")) + 5
            if size + cost > MAX_TSVECTOR_BYTES or (entries is not None and len(entries) >= MAX_POSITIONS_PER_LEXEME):
                continue
            size += cost
            positions.setdefault(lexeme, []).append(f"{position}{weight}")
    return " ".join(f"{quote_lexeme(lexeme)}:{','.join(entries)}" for lexeme, entries in positions.items())


# --- documents -----------------------------------------------------------------

def as_strings(value: Any) -> list[str]:
    """A Solr field value as the list of strings it is matched and faceted on."""
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in values:
        if item is None or item == "" or isinstance(item, dict):
            continue
        if isinstance(item, bool):
            out.append("true" if item else "false")
        else:
            out.append(str(item))
    return out


def _text_of(doc: dict[str, Any], names: Iterable[str]) -> str:
    return "\n".join(" ".join(as_strings(doc.get(n))) for n in names if doc.get(n))


def _name_words(name: str) -> str:
    return name.replace("-", " ").replace("_", " ")


@dataclass
class IndexRow:
    id: str
    site_id: str
    name: Optional[str]
    title_folded: str
    doc: dict[str, Any]
    terms: dict[str, list[str]]
    field_lexemes: dict[str, list[str]]
    lexemes_by_weight: dict[str, list[str]]
    word_text: str
    permission_labels: list[str]
    state: str
    capacity: str
    dataset_type: str
    metadata_modified: Optional[str]
    blobs: dict[str, Optional[str]] = field(default_factory=dict)


def _kept_values(name: str, values: list[str]) -> list[str]:
    if not is_text_field(name):
        return values
    return [value[:MAX_KEPT_VALUE] for value in values] if keeps_values(name) else []


def build_row(solr_doc: dict[str, Any]) -> IndexRow:
    doc = {k: v for k, v in solr_doc.items() if k not in BLOB_FIELDS}
    values = {k: as_strings(v) for k, v in doc.items()}
    values = {k: v for k, v in values.items() if v}
    field_lexemes = {
        k: list(dict.fromkeys(thai.index_lexemes(" ".join(v)))) for k, v in values.items() if is_text_field(k)
    }
    # Text fields are matched through their lexemes; in ``terms`` long texts only mark that the field
    # exists, which keeps the rows that filters and facets read small; extras keep their values (cut)
    # for ranges and sorts.
    terms = {k: _kept_values(k, v) for k, v in values.items()}
    d_fields = [k for k in doc if k in WEIGHT_D_FIELDS or k.startswith(WEIGHT_D_PREFIXES)]
    weighted_text = {
        "A": _text_of(doc, ["title"]) + "\n" + _name_words(str(doc.get("name") or "")),
        "B": _text_of(doc, WEIGHT_B_FIELDS),
        "C": _text_of(doc, WEIGHT_C_FIELDS),
        "D": _text_of(doc, d_fields),
    }
    words_in_order = [thai.words(t) for t in weighted_text.values()]
    modified = terms.get("metadata_modified", [None])[0]
    return IndexRow(
        id=str(solr_doc["id"]),
        site_id=str(solr_doc.get("site_id") or ""),
        name=solr_doc.get("name"),
        title_folded=thai.normalize(" ".join(as_strings(doc.get("title")))),
        doc=doc,
        terms=terms,
        field_lexemes=field_lexemes,
        lexemes_by_weight={w: thai.tsv_lexemes(t) for w, t in weighted_text.items()},
        # Fields are separated by a marker so that a phrase never spans two fields.
        word_text=" " + " | ".join(" ".join(ws) for ws in words_in_order) + " ",
        permission_labels=as_strings(solr_doc.get("permission_labels")),
        state=str(solr_doc.get("state") or ""),
        capacity=str(solr_doc.get("capacity") or ""),
        dataset_type=str(solr_doc.get("dataset_type") or ""),
        metadata_modified=modified,
        blobs={k: solr_doc.get(k) for k in BLOB_FIELDS},
    )


_UPSERT_INTO = f"""
    INSERT INTO {TABLE} (id, site_id, name, title_folded, doc, terms, field_lexemes, tsv, word_text,
                         permission_labels, state, capacity, dataset_type, metadata_modified, data_dict,
                         validated_data_dict, indexed_at)
"""
_UPSERT_ON_CONFLICT = """
    ON CONFLICT (id) DO UPDATE SET
        site_id = EXCLUDED.site_id, name = EXCLUDED.name, title_folded = EXCLUDED.title_folded,
        doc = EXCLUDED.doc, terms = EXCLUDED.terms,
        field_lexemes = EXCLUDED.field_lexemes, tsv = EXCLUDED.tsv, word_text = EXCLUDED.word_text,
        permission_labels = EXCLUDED.permission_labels, state = EXCLUDED.state,
        capacity = EXCLUDED.capacity, dataset_type = EXCLUDED.dataset_type,
        metadata_modified = EXCLUDED.metadata_modified,
        data_dict = EXCLUDED.data_dict, validated_data_dict = EXCLUDED.validated_data_dict,
        indexed_at = now()
"""
UPSERT_SQL = sa.text(
    _UPSERT_INTO
    + """
    VALUES (:id, :site_id, :name, :title_folded, CAST(:doc AS jsonb), CAST(:terms AS jsonb),
            CAST(:field_lexemes AS jsonb), CAST(:tsv AS tsvector),
            :word_text, CAST(:labels AS text[]), :state, :capacity, :dataset_type,
            CAST(:modified AS timestamptz), :data_dict,
            :validated_data_dict, now())
    """
    + _UPSERT_ON_CONFLICT
)
# Many rows in one statement (a reindex): the same columns and casts, one VALUES tuple a row,
# sent with psycopg2's execute_values (a round trip per page of rows, not per row).
BULK_UPSERT_SQL = _UPSERT_INTO + "VALUES %s" + _UPSERT_ON_CONFLICT
BULK_ROW_TEMPLATE = (
    "(%(id)s, %(site_id)s, %(name)s, %(title_folded)s, CAST(%(doc)s AS jsonb), CAST(%(terms)s AS jsonb), "
    "CAST(%(field_lexemes)s AS jsonb), CAST(%(tsv)s AS tsvector), %(word_text)s, CAST(%(labels)s AS text[]), "
    "%(state)s, %(capacity)s, %(dataset_type)s, CAST(%(modified)s AS timestamptz), %(data_dict)s, "
    "%(validated_data_dict)s, now())"
)
BULK_PAGE_SIZE = 100


def upsert_params(row: IndexRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "site_id": row.site_id,
        "name": row.name,
        "title_folded": row.title_folded,
        "doc": json.dumps(row.doc, default=str),
        "terms": json.dumps(row.terms),
        "field_lexemes": json.dumps(row.field_lexemes),
        "tsv": weighted_tsvector(row.lexemes_by_weight),
        "word_text": row.word_text,
        "labels": row.permission_labels,
        "state": row.state,
        "capacity": row.capacity,
        "dataset_type": row.dataset_type,
        "modified": row.metadata_modified,
        "data_dict": row.blobs.get("data_dict"),
        "validated_data_dict": row.blobs.get("validated_data_dict"),
    }




def upsert_many(session: Any, rows: list[IndexRow]) -> None:
    """Upsert rows in the session's transaction, BULK_PAGE_SIZE to a statement. A later row for an
    id wins over an earlier one (one statement may not touch a row twice)."""
    from psycopg2.extras import execute_values

    by_id = {row.id: row for row in rows}
    if not by_id:
        return
    session.flush()
    cursor = session.connection().connection.cursor()
    try:
        execute_values(cursor, BULK_UPSERT_SQL, [upsert_params(row) for row in by_id.values()],
                       template=BULK_ROW_TEMPLATE, page_size=BULK_PAGE_SIZE)
    finally:
        cursor.close()


# --- queries -------------------------------------------------------------------

@dataclass
class Results:
    """The part of ``pysolr.Results`` that CKAN reads."""

    docs: list[dict[str, Any]]
    hits: int
    facets: dict[str, Any]

    def __len__(self) -> int:
        return len(self.docs)

    def __iter__(self):
        return iter(self.docs)


def invalid_query(text: str, error: Exception) -> SearchError:
    shown = text if len(text) <= 200 else text[:200] + "..."  # never echo a 50,000-character query
    return SearchError(f"Invalid search query {shown!r}: {error}")


def compile_query(compiler: SqlCompiler, text: str, default_operator: str = "AND") -> str:
    """SQL for a Solr query string; any syntax problem becomes CKAN's SearchError (HTTP 409)."""
    compiler.start_query()
    try:
        return compiler.compile(syn.parse(text, default_operator=default_operator))
    except syn.SolrSyntaxError as error:
        raise invalid_query(text, error) from error


def compile_free_text(compiler: SqlCompiler, text: str, mm: str) -> str:
    """Dismax: the words as typed, of which ``mm`` must match; Solr syntax characters count as text."""
    compiler.start_query()
    try:
        node = syn.parse(text, default_operator="OR")
    except syn.SolrSyntaxError:
        node = syn.Term(None, text)  # e.g. "C++?" typed into the search box: search its words
    try:
        if isinstance(node, syn.Or) and all(_is_free_text(c) for c in node.children):
            clauses = join_synonym_terms(list(node.children), compiler.synonyms)
            return compiler.min_match(clauses, required_matches(mm, len(clauses)))
        return compiler.compile(node)
    except syn.SolrSyntaxError as error:
        raise invalid_query(text, error) from error


def join_synonym_terms(clauses: list[syn.Node], table: Any) -> list[syn.Node]:
    """Adjacent typed words that together are a synonym term ("home stay") become one clause, so
    that the term and its synonyms (โฮมสเตย์, homestay) count as one word for ``mm``."""
    if not table:
        return clauses
    out: list[syn.Node] = []
    i = 0
    while i < len(clauses):
        for size in range(min(synonyms.MAX_TERM_WORDS, len(clauses) - i), 1, -1):
            run = clauses[i:i + size]
            if any(c.phrase or c.prefix for c in run):  # type: ignore[union-attr]
                continue
            text = " ".join(c.value for c in run)  # type: ignore[union-attr]
            if tuple(thai.words(text)) in table:
                out.append(syn.Term(None, text))
                i += size
                break
        else:
            out.append(clauses[i])
            i += 1
    return out


def required_matches(mm: str, clauses: int) -> int:
    """How many of ``clauses`` optional clauses must match under Solr's ``mm`` (e.g. ``2<-1 5<80%``)."""
    required = clauses
    for condition in mm.split():
        if "<" in condition:
            limit, spec = condition.split("<", 1)
            if clauses <= int(limit):
                break
        else:
            spec = condition
        if spec.endswith("%"):
            percent = int(spec[:-1])
            required = (
                math.floor(clauses * percent / 100) if percent > 0
                else clauses - math.floor(clauses * -percent / 100)
            )
        else:
            number = int(spec)
            required = number if number > 0 else clauses + number
    return max(1, min(clauses, required))


_SORT_PART = re.compile(r"^\s*([\w.\-]+)\s+(asc|desc)\s*$", re.IGNORECASE)


def sort_clause(sort: str | None) -> tuple[str, bool]:
    """SQL ORDER BY for a Solr sort string; the flag says whether it needs the score."""
    if not sort:
        sort = "score desc"
    parts = []
    uses_score = False
    for item in sort.split(","):
        match = _SORT_PART.match(item)
        if not match:
            raise SearchQueryError('Invalid "sort" parameter')
        name, direction = match.group(1), match.group(2).upper()
        if name == "score":
            uses_score = True
            parts.append(f"score {direction}")
            continue
        if not keeps_values(name):
            hint = " (use title_string)" if name == "title" else ""
            raise SearchQueryError(f'Cannot sort on the text field "{name}"{hint}')
        if name == "metadata_modified":
            key = "d.metadata_modified"
        elif name == "name":
            key = "d.name"
        else:
            safe = name.replace("'", "")
            first = f"(d.terms -> '{safe}' ->> 0)"
            if is_date_field(name):
                key = f"(CASE WHEN {first} ~ '^[0-9]{{4}}-' THEN {first}::timestamptz END)"
            elif name in NUMERIC_FIELDS:
                key = f"(CASE WHEN {first} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN {first}::numeric END)"
            else:
                key = first
        parts.append(f"{key} {direction} NULLS LAST")
    parts.append('d.id COLLATE "C" ASC')  # stable paging, in byte order whatever the database's collation
    return ", ".join(parts), uses_score


class PostgresSolrConnection:
    """Answers the pysolr calls CKAN makes (add, delete, commit, search) from PostgreSQL."""

    def __init__(self, session: Any = None) -> None:
        self.session = session or model.Session
        self.url = "postgresql://govcatalog_search_document"

    # -- writes --
    def add(self, docs: list[dict[str, Any]], commit: bool = True, **_: Any) -> None:
        if len(docs) > 1:
            upsert_many(self.session, [build_row(solr_doc) for solr_doc in docs])
            return
        for solr_doc in docs:
            self.session.execute(UPSERT_SQL, upsert_params(build_row(solr_doc)))
        self.session.flush()

    def delete(self, id: str | None = None, q: str | None = None, commit: bool = True, **_: Any) -> None:
        if not self._table_exists():
            return  # e.g. `ckan db clean` clears the index after dropping every table
        if id is not None:
            self.session.execute(sa.text(f"DELETE FROM {TABLE} WHERE id = :id"), {"id": id})
        elif q is not None:
            compiler = SqlCompiler(now=_now())
            where = compile_query(compiler, q)
            self.session.execute(sa.text(f"DELETE FROM {TABLE} d WHERE {where}"), compiler.params)
        # No commit here even when asked: the delete stays in the caller's transaction (a purge
        # is committed or rolled back whole). Callers that end without committing (the CLI's
        # search-index clear) are wrapped by the plugin.

    def commit(self, **_: Any) -> None:
        self.session.commit()

    def _table_exists(self) -> bool:
        return self.session.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": TABLE}).scalar()

    # -- reads --
    def search(self, q: str = "*:*", **params: Any) -> Results:
        request = solr_params.check(q, params)
        compiler = SqlCompiler(now=_now(), default_field=request.df)
        where = self._where(compiler, request)
        order_by, uses_score = sort_clause(request.sort)
        score = self._score(compiler) if uses_score else "0"
        facet_sql, facet_columns = [], []
        for i, name in enumerate(request.facet_fields):
            limit_sql = "" if request.facet_limit < 0 else f"LIMIT {request.facet_limit}"
            # each facet's values are taken out of 'terms' once per match, in the CTE
            facet_columns.append(f", d.terms -> :facet_{i} AS facet_{i}")
            facet_sql.append(
                f"""(SELECT coalesce(json_agg(json_build_array(v, c)), '[]') FROM (
                        SELECT v, count(*) AS c FROM m, jsonb_array_elements_text(m.facet_{i}) v
                        GROUP BY v HAVING count(*) >= {request.facet_mincount} ORDER BY c DESC, v {limit_sql}) f)
                   AS facet_{i}"""
            )
            compiler.params[f"facet_{i}"] = name
        compiler.params.update({"rows": request.rows, "start": request.start})
        statement = f"""
            WITH m AS MATERIALIZED (
                SELECT d.id, {score} AS score {''.join(facet_columns)} FROM {TABLE} d WHERE {where}
                ORDER BY {order_by}
            )
            SELECT (SELECT count(*) FROM m) AS hits,
                   (SELECT coalesce(json_agg(json_build_array(p.id, p.score)), '[]')
                      FROM (SELECT id, score FROM m LIMIT :rows OFFSET :start) p) AS page
                   {''.join(', ' + f for f in facet_sql)}
        """
        row = self._read_one(statement, compiler.params)
        page = row["page"]
        docs = self._fetch_docs([p[0] for p in page], [p[1] for p in page], request.fl)
        facets = {
            name: [item for pair in row[f"facet_{i}"] for item in pair]
            for i, name in enumerate(request.facet_fields)
        }
        return Results(docs=docs, hits=int(row["hits"]), facets={"facet_fields": facets})

    def _read_one(self, statement: str, bind: dict[str, Any]) -> Any:
        """Run the search in a savepoint: a value PostgreSQL refuses rolls back the search alone,
        never the uncommitted work of the action that called package_search."""
        try:
            if not self._server_in_transaction():
                return self.session.execute(sa.text(statement), bind).mappings().one()
            with self.session.begin_nested():
                return self.session.execute(sa.text(statement), bind).mappings().one()
        except sa.exc.DataError as error:
            raise SearchError(f"Invalid search query: {error.orig}") from error
        except sa.exc.OperationalError as error:
            if getattr(error.orig, "pgcode", "")[:2] != PROGRAM_LIMIT_EXCEEDED:
                raise
            raise SearchError("The search query is too complex; use fewer terms") from error

    def _server_in_transaction(self) -> bool:
        """False when raw SQL has ended the transaction behind SQLAlchemy's back (ckanext-harvest's
        source clear sends its own COMMIT): a SAVEPOINT would then fail, and there is nothing to keep."""
        info = getattr(self.session.connection().connection.dbapi_connection, "info", None)
        return info is None or info.transaction_status != TRANSACTION_STATUS_IDLE

    def _where(self, compiler: SqlCompiler, request: solr_params.SearchParams) -> str:
        conditions = [self._query_condition(compiler, request)]
        for fq in request.fq:
            if fq.strip():
                conditions.append(compile_query(compiler, fq))
        # Filters never feed the ranking: only q does.
        return " AND ".join(conditions)

    def _query_condition(self, compiler: SqlCompiler, request: solr_params.SearchParams) -> str:
        q = request.q or "*:*"
        compiler.synonyms = synonyms.expansions() if q != "*:*" else None  # q only: filters stay exact
        try:
            if request.def_type == "dismax" or (request.def_type == "edismax" and ":" not in q):
                text = _strip_fields(q) if request.def_type == "dismax" else q
                return compile_free_text(compiler, text, request.mm or DEFAULT_MM)
            return compile_query(compiler, q, request.q_op)
        finally:
            compiler.synonyms = None

    def _score(self, compiler: SqlCompiler) -> str:
        """Exact words first: a document with any query word as a whole word ranks above every
        document found only through sub-words or synonyms; within each, ts_rank orders by field
        weight (title, tags, description, other fields)."""
        scores = list(compiler.ranking_sql)  # autocomplete's n-gram matches
        words = list(dict.fromkeys(compiler.ranking_words))
        if words:
            compiler.params["rank_query"] = " | ".join(tsquery_literal(w) for w in words)
            exact = "CAST(:rank_query AS tsquery)"
            scores.append(f"((d.tsv @@ {exact})::int + ts_rank(d.tsv, {exact}))")
            alternatives = [w for w in dict.fromkeys(compiler.ranking_alternatives) if w not in words]
            if alternatives:
                compiler.params["rank_alternatives"] = " | ".join(tsquery_literal(w) for w in alternatives)
                scores.append(f"{ALTERNATIVE_WEIGHT} * ts_rank(d.tsv, CAST(:rank_alternatives AS tsquery))")
        return balanced_sum(scores) if scores else "0"

    def _fetch_docs(self, ids: list[str], scores: list[float], fl: Any) -> list[dict[str, Any]]:
        if not ids:
            return []
        wanted = _field_list(fl)
        rows = self.session.execute(
            sa.text(f"SELECT id, doc, data_dict, validated_data_dict FROM {TABLE} WHERE id = ANY(:ids)"),
            {"ids": ids},
        ).mappings().all()
        by_id = {r["id"]: r for r in rows}
        docs = []
        for doc_id, score in zip(ids, scores):
            row = by_id.get(doc_id)
            if row is None:
                continue
            full = dict(row["doc"])
            full.update({k: row[k] for k in BLOB_FIELDS if row[k] is not None})
            full["score"] = score
            if wanted is None:
                full.pop("score")
                docs.append(full)
            else:
                docs.append({k: full[k] for k in wanted if k in full})
        return docs


def _field_list(fl: Any) -> Optional[list[str]]:
    """Solr ``fl``: None or ``*`` for every stored field."""
    if fl is None:
        return None
    names = [n for n in re.split(r"[\s,]+", " ".join(map(str, solr_params.as_list(fl)))) if n]
    return None if not names or "*" in names else names


def _is_free_text(node: syn.Node) -> bool:
    return isinstance(node, syn.Term) and node.field is None


def _strip_fields(q: str) -> str:
    # Plain dismax does not parse ``field:value``; it searches the words as typed.
    return q.replace(":", " ")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
