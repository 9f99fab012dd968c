"""Parser for the subset of Solr/Lucene query syntax that CKAN sends in q/fq.

The PostgreSQL search backend replaces Solr: ``parse()`` turns a query into a
small immutable AST that a separate compiler turns into SQL. Anything outside
the subset raises ``SolrSyntaxError``, so no query is silently misread.
Precedence: ``NOT``/``!``/``-`` > ``AND``/``&&`` > ``OR``/``||``; clauses side
by side combine the Lucene way (``+`` required, ``-`` prohibited, bare ones
follow ``default_operator``).
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

MAX_DEPTH = 50  # parenthesis nesting limit; keeps recursion far from Python's


class SolrSyntaxError(ValueError):
    """Invalid or unsupported syntax; ``position`` is the 0-based offset, if known."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        super().__init__(message if position is None else f"{message} (at position {position})")


@dataclass(frozen=True)
class MatchAll:
    """``*:*`` or an empty query: every document."""


@dataclass(frozen=True)
class Term:
    field: str | None  # None = the default/free-text field
    value: str  # unescaped; for a phrase the text inside the quotes
    phrase: bool = False
    prefix: bool = False  # value ended with an unescaped '*' (not kept in value)


@dataclass(frozen=True)
class Exists:
    field: str


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None  # None for an open end ('*')
    high: str | None
    include_low: bool
    include_high: bool


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = MatchAll | Term | Exists | Range | Not | And | Or

# ---------------------------------------------------------------- tokenizer

# A bare word stops at whitespace and at characters with a syntax meaning;
# ']', '}', '^' and '~' have none in our subset and are rejected on their own.
_WORD_RE = re.compile(r'(?:[^\s()":\[\]{}^~\\]|\\.)*', re.DOTALL)
_RANGE_WORD_RE = re.compile(r"(?:[^\s\]}\\]|\\.)*", re.DOTALL)  # colons are fine here
_QUOTED_RE = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
_WILDCARD_RE = re.compile(r"\\.|[*?]", re.DOTALL)  # escapes are matched to be skipped
_WORD_KEYWORDS = frozenset({"AND", "OR", "NOT"})  # upper case only; 'and' is a word
_SINGLE_CHAR = {"(": "LPAREN", ")": "RPAREN", ":": "COLON", "+": "PLUS", "-": "MINUS", "!": "NOT"}
_RANGE_CLOSE = {"]": True, "}": False}  # closing bracket -> is the bound inclusive
_TAG_PARAMS = frozenset({"tag", "ex"})


@dataclass(frozen=True)
class _Token:
    kind: str  # WORD PHRASE RANGE COLON LPAREN RPAREN AND OR NOT PLUS MINUS EOF
    pos: int
    text: str = ""  # as written (escapes kept); PHRASE: unescaped inner text
    bounds: tuple[str | None, str | None, bool, bool] | None = None  # RANGE


def _unescape(raw: str) -> str:
    return _ESCAPE_RE.sub(r"\1", raw)


def _scan_quoted(text: str, start: int) -> tuple[str, int]:
    """Read the "..." starting at ``start``; return (unescaped text, end)."""
    match = _QUOTED_RE.match(text, start)
    if match is None:
        raise SolrSyntaxError("Quoted text is never closed with '\"'", start)
    return _unescape(match.group(1)), match.end()


def _scan_word(pattern: re.Pattern[str], text: str, start: int) -> int:
    """Return where the unquoted word starting at ``start`` ends."""
    end = pattern.match(text, start).end()  # type: ignore[union-attr]  # '*' always matches
    if end < len(text) and text[end] == "\\":  # only a final backslash stops the pattern
        raise SolrSyntaxError("A backslash at the end has nothing to escape", end)
    return end


def _scan_range(text: str, start: int) -> tuple[_Token, int]:
    """Read ``[low TO high]`` (any bracket mix); colons are free inside."""
    parts: list[tuple[str, str | None, int]] = []  # (raw, value, position)
    i = start + 1
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise SolrSyntaxError("Range is never closed with ']' or '}'", start)
        if text[i] in _RANGE_CLOSE:
            break
        if text[i] in "[{":
            raise SolrSyntaxError(f"Unexpected '{text[i]}' inside a range", i)
        if text[i] == '"':
            value, end = _scan_quoted(text, i)
            parts.append(('"', value, i))
        else:
            end = _scan_word(_RANGE_WORD_RE, text, i)
            raw = text[i:end]
            parts.append((raw, None if raw == "*" else _unescape(raw), i))
        i = end
    words = [raw for raw, _, _ in parts]
    if words[1:2] == ["TO"] and len(words) == 2:
        raise SolrSyntaxError("Range is missing its upper bound", i)
    if len(words) != 3 or words[1] != "TO":
        hint = " (with upper-case 'TO')" if words[1:2] in (["to"], ["To"], ["tO"]) else ""
        raise SolrSyntaxError(f"Range must look like [low TO high]{hint}", start)
    bounds = (parts[0][1], parts[2][1], text[start] == "[", _RANGE_CLOSE[text[i]])
    return _Token("RANGE", start, bounds=bounds), i + 1


def _tokenize(text: str, start: int) -> list[_Token]:
    tokens: list[_Token] = []
    i = start
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _SINGLE_CHAR:
            tokens.append(_Token(_SINGLE_CHAR[ch], i, ch))
            i += 1
        elif text[i:i + 2] in ("&&", "||"):
            tokens.append(_Token("AND" if ch == "&" else "OR", i, text[i:i + 2]))
            i += 2
        elif ch == '"':
            value, end = _scan_quoted(text, i)
            tokens.append(_Token("PHRASE", i, value))
            i = end
        elif text.startswith("{!", i):
            raise SolrSyntaxError("Solr local parameters '{!...}' are only allowed at the start", i)
        elif ch in "[{":
            token, i = _scan_range(text, i)
            tokens.append(token)
        elif ch in "]}":
            raise SolrSyntaxError(f"'{ch}' has no matching opening bracket", i)
        elif ch in "^~":
            raise SolrSyntaxError(f"'{ch}' (boost, fuzzy or proximity search) is not supported", i)
        else:
            end = _scan_word(_WORD_RE, text, i)
            raw = text[i:end]
            tokens.append(_Token(raw if raw in _WORD_KEYWORDS else "WORD", i, raw))
            i = end
    tokens.append(_Token("EOF", len(text)))
    return tokens


def _skip_tag_params(text: str) -> int:
    """Return where the query starts, after a tag-only ``{!tag=...}`` prefix."""
    # Facet tags only matter to Solr faceting; other local params change meaning.
    start = len(text) - len(text.lstrip())
    if not text.startswith("{!", start):
        return start
    end = text.find("}", start)
    if end < 0:
        raise SolrSyntaxError("Local parameters '{!' are never closed with '}'", start)
    params = [param.partition("=") for param in text[start + 2:end].split()]
    for key, _, value in params or [("", "", "")]:  # '{!}' is not a tag either
        if key not in _TAG_PARAMS or not value:
            raise SolrSyntaxError(
                "Local parameters other than {!tag=...} and {!ex=...} are not supported", start)
    return end + 1


# ------------------------------------------------------------------- parser

_MUST, _SHOULD, _MUST_NOT = "must", "should", "must_not"
_Clause = tuple[str, Node]  # (occur, node): how a clause joins its sequence
_FIELD_PUNCTUATION = frozenset("_.-")
_UNSUPPORTED_FIELDS = frozenset({"_query_", "_val_"})  # Solr's nested-query magic


def _unexpected(token: _Token) -> SolrSyntaxError:
    if token.kind in ("AND", "OR"):
        return SolrSyntaxError(f"'{token.text}' needs a search clause before it", token.pos)
    if token.kind == "COLON":
        return SolrSyntaxError("Unexpected ':' (write \\: for a literal colon)", token.pos)
    if token.kind == "RPAREN":
        return SolrSyntaxError("')' has no matching '('", token.pos)
    return SolrSyntaxError("Expected a search clause but the query ended", token.pos)


def _make_and(children: list[Node]) -> Node:
    flat = [g for c in children for g in (c.children if isinstance(c, And) else (c,))]
    rest: list[Node] = [c for c in flat if not isinstance(c, MatchAll)]
    if not rest:
        return MatchAll()
    # Purely negative clauses always subtract from an explicit MatchAll, so
    # '-a -b' and '-a AND -b' give the same tree; elsewhere MatchAll is redundant.
    if all(isinstance(c, Not) for c in rest):
        rest.insert(0, MatchAll())
    return rest[0] if len(rest) == 1 else And(tuple(rest))


def _make_or(children: list[Node]) -> Node:
    flat = [g for c in children for g in (c.children if isinstance(c, Or) else (c,))]
    if any(isinstance(c, MatchAll) for c in flat):
        return MatchAll()
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _as_node(clause: _Clause) -> Node:
    occur, node = clause
    return Not(node) if occur == _MUST_NOT else node


def _word(token: _Token, field: str | None) -> Node:
    """A bare word: plain term, trailing-'*' prefix, or a lone '*'."""
    raw = token.text
    if raw == "*":
        return Exists(field) if field is not None else MatchAll()
    for match in _WILDCARD_RE.finditer(raw):
        if match.group().startswith("\\"):
            continue  # escaped: a literal character
        if match.group() == "*" and match.end() == len(raw):
            return Term(field, _unescape(raw[:-1]), prefix=True)
        raise SolrSyntaxError("Wildcards are only supported as one '*' at the end of a word",
                              token.pos + match.start())
    return Term(field, _unescape(raw))


class _Parser:
    """Recursive descent over the tokens; ``field`` is the one a group applies."""

    def __init__(self, tokens: list[_Token], default_operator: str) -> None:
        self.tokens = tokens
        self.index = 0
        self.bare_occur = _MUST if default_operator == "AND" else _SHOULD

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def next(self) -> _Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)  # EOF repeats
        return token

    def sequence(self, field: str | None, depth: int) -> Node:
        """Clauses side by side, up to ')' or the end (Lucene occur rules)."""
        clauses: list[_Clause] = []
        while self.peek().kind not in ("EOF", "RPAREN"):
            clauses.append(self.infix("OR", field, depth))
        required = [n for o, n in clauses if o == _MUST]
        optional = [n for o, n in clauses if o == _SHOULD]
        prohibited: list[Node] = [Not(n) for o, n in clauses if o == _MUST_NOT]
        # Next to required clauses, optional ones would only change the scoring.
        base: list[Node] = required or ([_make_or(optional)] if optional else [MatchAll()])
        return _make_and(base + prohibited)

    def infix(self, operator: str, field: str | None, depth: int) -> _Clause:
        """``a OR b`` over ``a AND b`` over unary clauses: AND binds tighter."""
        def operand() -> _Clause:
            return self.infix("AND", field, depth) if operator == "OR" else self.unary(field, depth)

        operands = [operand()]
        while self.peek().kind == operator:
            self.expect_operand(self.next())
            operands.append(operand())
        if len(operands) == 1:
            return operands[0]
        combine = _make_or if operator == "OR" else _make_and
        return self.bare_occur, combine([_as_node(c) for c in operands])

    def expect_operand(self, operator: _Token) -> None:
        if self.peek().kind in ("EOF", "RPAREN", "AND", "OR"):
            raise SolrSyntaxError(f"'{operator.text}' must be followed by a search clause",
                                  operator.pos)

    def unary(self, field: str | None, depth: int) -> _Clause:
        # Prefix operators are folded in a loop so '!!!!x' cannot recurse deeply.
        negated, required = False, False
        while self.peek().kind in ("PLUS", "MINUS", "NOT"):
            operator = self.next()
            self.expect_operand(operator)
            if operator.kind == "PLUS":
                required = True
            else:
                negated = not negated  # '- -x' is x again
        node = self.primary(field, depth)
        if negated:
            return _MUST_NOT, node
        return (_MUST if required else self.bare_occur), node

    def primary(self, field: str | None, depth: int) -> Node:
        token = self.next()
        if token.kind == "WORD" and self.peek().kind == "COLON":
            self.next()
            return self.field_value(token, depth)
        return self.value(token, field, depth)

    def field_value(self, name: _Token, depth: int) -> Node:
        """What follows ``name:``."""
        value = self.peek()
        if name.text == "*":
            if value.kind == "WORD" and value.text == "*":
                self.next()
                return MatchAll()
            raise SolrSyntaxError("'*' as a field name is only supported in '*:*'", name.pos)
        if not all(c.isalnum() or c in _FIELD_PUNCTUATION or unicodedata.category(c)[0] == "M"
                   for c in name.text):  # marks: Thai vowels and tones are not isalnum()
            raise SolrSyntaxError(f"'{name.text}' is not a valid field name", name.pos)
        if name.text in _UNSUPPORTED_FIELDS:
            raise SolrSyntaxError(f"The special field '{name.text}' is not supported", name.pos)
        if value.kind in ("PLUS", "MINUS", "NOT"):
            raise SolrSyntaxError(f"Escape the '{value.text}' that starts a value as '\\{value.text}'",
                                  value.pos)
        if value.kind not in ("WORD", "PHRASE", "RANGE", "LPAREN"):
            raise SolrSyntaxError(f"Field '{name.text}' has no value after ':'", name.pos)
        return self.value(self.next(), name.text, depth)

    def value(self, token: _Token, field: str | None, depth: int) -> Node:
        if token.kind == "LPAREN":
            return self.group(token, field, depth)
        if token.kind == "PHRASE":
            return Term(field, token.text, phrase=True)
        if token.kind == "RANGE" and token.bounds is not None:
            if field is None:
                raise SolrSyntaxError("A range needs a field, as in field:[a TO b]", token.pos)
            return Range(field, *token.bounds)
        if token.kind == "WORD":
            return _word(token, field)
        raise _unexpected(token)

    def group(self, opening: _Token, field: str | None, depth: int) -> Node:
        if depth >= MAX_DEPTH:
            raise SolrSyntaxError(f"Parentheses are nested more than {MAX_DEPTH} deep", opening.pos)
        if self.peek().kind == "RPAREN":
            raise SolrSyntaxError("Empty parentheses '()'", opening.pos)
        node = self.sequence(field, depth + 1)
        if self.next().kind != "RPAREN":
            raise SolrSyntaxError("'(' is never closed with ')'", opening.pos)
        return node


def parse(text: str, default_operator: str = "AND") -> Node:
    """Parse a Solr ``q``/``fq`` string into a ``Node``.

    ``default_operator`` ("AND" or "OR", like Solr's ``q.op``) joins bare
    clauses. Raises ``SolrSyntaxError`` for anything outside the subset.
    """
    operator = str(default_operator).upper()
    if operator not in ("AND", "OR"):
        raise SolrSyntaxError(f"default_operator must be 'AND' or 'OR', not {default_operator!r}")
    if not text or text.isspace():
        return MatchAll()
    parser = _Parser(_tokenize(text, _skip_tag_params(text)), operator)
    node = parser.sequence(None, 0)
    leftover = parser.peek()
    if leftover.kind != "EOF":  # only a stray ')' can stop the top-level sequence
        raise _unexpected(leftover)
    return node


# ---------------------------------------------------------------- date math

_UNITS = {
    "YEAR": "YEAR", "YEARS": "YEAR", "MONTH": "MONTH", "MONTHS": "MONTH",
    "DAY": "DAY", "DAYS": "DAY", "DATE": "DAY", "HOUR": "HOUR", "HOURS": "HOUR",
    "MINUTE": "MINUTE", "MINUTES": "MINUTE", "SECOND": "SECOND", "SECONDS": "SECOND",
    "MILLI": "MILLI", "MILLIS": "MILLI", "MILLISECOND": "MILLI", "MILLISECONDS": "MILLI",
}
_ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?Z?")
_MATH_RE = re.compile(r"([+-])(\d{1,9})([A-Z]+)|/([A-Z]+)")  # 9 digits: no huge ints
_DELTA_ARGS = {"DAY": "days", "HOUR": "hours", "MINUTE": "minutes", "SECOND": "seconds",
               "MILLI": "milliseconds"}
_ROUND_CLEARS = ["month", "day", "hour", "minute", "second", "microsecond"]
_ROUND_FROM = {"YEAR": 0, "MONTH": 1, "DAY": 2, "HOUR": 3, "MINUTE": 4, "SECOND": 5}


def _add(moment: datetime, unit: str, amount: int) -> datetime:
    if unit in ("YEAR", "MONTH"):
        months = moment.year * 12 + moment.month - 1 + amount * (12 if unit == "YEAR" else 1)
        year, month = divmod(months, 12)
        # Like Solr (java.util.Calendar): Jan 31 + 1 MONTH = last day of February.
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)
    return moment + timedelta(**{_DELTA_ARGS[unit]: amount})


def _round(moment: datetime, unit: str) -> datetime:
    if unit == "MILLI":
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    parts = {name: getattr(moment, name) for name in _ROUND_CLEARS}
    for name in _ROUND_CLEARS[_ROUND_FROM[unit]:]:
        parts[name] = 1 if name in ("month", "day") else 0
    return datetime(moment.year, parts["month"], parts["day"], parts["hour"], parts["minute"], parts["second"],
                    parts["microsecond"], tzinfo=moment.tzinfo)


def _iso(match: re.Match[str]) -> datetime:
    *parts, fraction = match.groups()
    year, month, day, hour, minute, second = (int(p or 0) for p in parts)
    micro = int((fraction or "0").ljust(6, "0")[:6])  # beyond microseconds is dropped
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone.utc)


def resolve_date_math(value: str, now: datetime) -> datetime | None:
    """Resolve ``NOW-7DAYS/DAY``, ``2024-01-01T00:00:00Z+1DAY``, ``2024-01-01``...

    Returns an aware UTC datetime, or None if ``value`` is not a valid date or
    date-math expression (the caller then treats it as an ordinary string).
    A naive ``now`` is taken to be UTC. Never raises.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().upper()
    try:
        iso = _ISO_RE.match(text)
        if text.startswith("NOW"):
            aware = now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)
            moment, pos = aware.astimezone(timezone.utc), 3
        elif iso is not None:
            moment, pos = _iso(iso), iso.end()
        else:
            return None
        while pos < len(text):
            match = _MATH_RE.match(text, pos)
            unit = _UNITS.get(match.group(3) or match.group(4)) if match else None
            if match is None or unit is None:
                return None
            if match.group(4):
                moment = _round(moment, unit)
            else:
                amount = int(match.group(2))
                moment = _add(moment, unit, -amount if match.group(1) == "-" else amount)
            pos = match.end()
    except (ValueError, OverflowError):  # impossible dates, or beyond datetime's range
        return None
    return moment
