"""Text analysis for the PostgreSQL search backend: Thai word segmentation and English stemming.

PostgreSQL has no Thai parser, and Thai is written without spaces between words, so the text is
turned into lexemes here, in Python, the same way at index time and at query time:

- Thai runs are segmented into dictionary words (PyThaiNLP's ``newmm``). Long compounds that the
  dictionary keeps whole (การทะเบียนราษฎร, ทะเบียนบ้าน) are also indexed by their parts, so that a
  search for ทะเบียน finds them; short tokens are never split, so ตา does not match inside ตาราง.
- A word built with a productive compounding morpheme (ผู้สูงอายุ = ผู้ + สูงอายุ, เกษตรกร =
  เกษตร + กร, หนี้สิน = หนี้ + สิน) also gets its core as a *sub-word*, so that เกษตร finds
  เกษตรกร. Sub-words are stored marked (``SUB_MARK``) so that ranking puts exact-word matches
  first. Only the listed morphemes split a word: a split into any dictionary words would cut
  ตาราง into ตา + ราง and จังหวัด into จัง + หวัด (measured over 751 data.go.th titles, most of
  the plain dictionary splits of short words were accidental).
- Latin words are lower-cased and reduced to their English stem (schools -> school).
- Numbers are kept as written (2566, 2.5).
- A word longer than PostgreSQL accepts in a tsvector (2,047 bytes) is cut to its first 2,047 bytes,
  the same way at index and at query time, so any text can be indexed and searched.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Iterable

import snowballstemmer
from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize

# A word shorter than this is taken as one word, not a compound (ตาราง, ประชากร, ทะเบียน stay whole).
MIN_COMPOUND_LENGTH = 8
# A part shorter than this is too ambiguous to index on its own (ตา, กร, จด).
MIN_PART_LENGTH = 3

# Nominalizing prefixes (การ-, ความ-): too general to stand for a compound on their own.
PREFIX_PARTS = frozenset({"การ", "ความ"})
# Parts of long compounds that mean something else on their own: -งาน ends สำนักงาน, หน่วยงาน,
# พนักงาน (office, agency, employee), never "job" (measured: งาน found them ahead of job datasets).
GENERAL_PARTS = frozenset({"งาน"})
# Compounds whose parts do not carry their meaning: ครัวเรือน (household) is no kitchen (ครัว).
LEXICALIZED = frozenset({"ครัวเรือน"})

# Productive compounding morphemes of government Thai: a word made of one of these and a dictionary
# word (the core) is a compound whose core keeps its meaning. Heads come first, suffixes last.
HEAD_MORPHEMES = frozenset({
    "ผู้", "นัก", "ชาว", "คน", "วัย", "การ", "ความ", "ภัย", "โรค", "ค่า", "อัตรา", "ช่าง", "ศูนย์",
})
TAIL_MORPHEMES = frozenset({"กร", "สิน", "ศาสตร์"})
# Heads whose compound a query may widen to its core (ผู้สูงอายุ -> สูงอายุ), for cores this long.
QUERY_HEADS = ("ผู้", "วัย", "คน", "ชาว")
QUERY_MIN_CORE_LENGTH = 4
# A core shorter than this is too ambiguous to stand for the compound (จน in คนจน, ใช้ in ผู้ใช้).
MIN_CORE_LENGTH = 3
# Marks a sub-word lexeme in the tsvector: no analysed word starts with it (Latin words exclude "_").
SUB_MARK = "_"

# PostgreSQL refuses a tsvector or tsquery lexeme of 2,048 bytes or more ("word is too long").
MAX_WORD_BYTES = 2047

_THAI_RUN = re.compile(r"[\u0E00-\u0E7F]+")
_LATIN_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W_]+", re.UNICODE)
_THAI_CHAR = re.compile(r"[\u0E00-\u0E7F]")

ENGLISH_STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or the to with".split()
)

_stemmer = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    return frozenset(thai_words())


# SARA AM typed as NIKHAHIT + SARA AA (นํ้า for น้ำ, common in government documents), the tone
# mark before or after the NIKHAHIT: written back as SARA AM after the tone mark.
_DECOMPOSED_SARA_AM = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32|([\u0e48-\u0e4b])\u0e4d\u0e32")


def normalize(text: str) -> str:
    """Unicode-normalize and lower-case, so that index and query compare the same characters."""
    text = unicodedata.normalize("NFC", text).lower()
    if "\u0e4d" in text:
        text = _DECOMPOSED_SARA_AM.sub(lambda m: (m.group(1) or m.group(2) or "") + "\u0e33", text)
    return text


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


@functools.lru_cache(maxsize=100_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """Split a long dictionary compound into the fewest dictionary words that spell it exactly.

    Returns the parts worth indexing (at least MIN_PART_LENGTH characters), found recursively,
    or () when the word is short or cannot be split into dictionary words.
    """
    if len(word) < MIN_COMPOUND_LENGTH or word in LEXICALIZED:
        return ()
    split = _fewest_word_split(word)
    if split is None:
        return ()
    parts: list[str] = []
    for part in split:
        if len(part) >= MIN_PART_LENGTH and part not in PREFIX_PARTS and part not in GENERAL_PARTS:
            parts.append(part)
            parts.extend(compound_parts(part))
    return tuple(dict.fromkeys(parts))


def _fewest_word_split(word: str) -> list[str] | None:
    """Dynamic programming over prefixes: the split into >= 2 dictionary words with fewest parts."""
    words = _dictionary()
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(end):
            head = best[start]
            piece = word[start:end]
            if head is None or piece == word or piece not in words:
                continue
            candidate = head + [piece]
            if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                best[end] = candidate
    return best[n]


@functools.lru_cache(maxsize=50_000)
def _segment_thai(run: str) -> tuple[str, ...]:
    return tuple(t for t in word_tokenize(run, engine="newmm", keep_whitespace=False) if t.strip())


def _latin_lexemes(chunk: str) -> Iterable[str]:
    for match in _LATIN_WORD.finditer(chunk):
        word = match.group(0)
        if word in ENGLISH_STOPWORDS:
            continue
        yield word if word[0].isdigit() else _stem(word)


def fit_word(word: str) -> str:
    """The word cut to the first MAX_WORD_BYTES bytes of its UTF-8 form, on a character boundary."""
    encoded = word.encode("utf-8")
    if len(encoded) <= MAX_WORD_BYTES:
        return word
    return encoded[:MAX_WORD_BYTES].decode("utf-8", errors="ignore")


def words(text: str) -> list[str]:
    """The words of a text as a person reads them: Thai segmented, Latin stemmed, in order.

    Used for queries: every word the person typed must be found.
    """
    text = normalize(text)
    out: list[str] = []
    position = 0
    for run in _THAI_RUN.finditer(text):
        out.extend(_latin_lexemes(text[position:run.start()]))
        out.extend(_segment_thai(run.group(0)))
        position = run.end()
    out.extend(_latin_lexemes(text[position:]))
    return [fit_word(w) for w in out]


def index_lexemes(text: str) -> list[str]:
    """The lexemes stored for a text: its words plus the parts of its Thai compounds."""
    out: list[str] = []
    for word in words(text):
        out.append(word)
        if _THAI_CHAR.match(word):
            out.extend(compound_parts(word))
    return out


def query_alternatives(word: str) -> tuple[str, ...]:
    """For a query word that is a Thai compound, its parts: a document may spell it without the
    prefix or as separate words (ทะเบียนราษฎร, ทะเบียน ราษฎร for การทะเบียนราษฎร)."""
    if not _THAI_CHAR.match(word):
        return ()
    split = _fewest_word_split(word) if len(word) >= MIN_COMPOUND_LENGTH else None
    return tuple(p for p in split or () if p not in PREFIX_PARTS)


@functools.lru_cache(maxsize=100_000)
def morpheme_core(word: str) -> str | None:
    """The core of a word made of a listed compounding morpheme and a dictionary word, or None:
    ผู้สูงอายุ -> สูงอายุ, เกษตรกร -> เกษตร, หนี้สิน -> หนี้; ตาราง, ประกาศ -> None."""
    if not _THAI_CHAR.match(word):
        return None
    dictionary = _dictionary()
    for head in HEAD_MORPHEMES:
        core = word[len(head):]
        if word.startswith(head) and len(core) >= MIN_CORE_LENGTH and core in dictionary:
            return core
    for tail in TAIL_MORPHEMES:
        core = word[:-len(tail)]
        if word.endswith(tail) and len(core) >= MIN_CORE_LENGTH and core in dictionary:
            return core
    return None


@functools.lru_cache(maxsize=100_000)
def sub_words(word: str) -> tuple[str, ...]:
    """The words a person may search for that are meaningful parts of ``word``: the parts of a long
    compound (compound_parts) and the core of a morpheme compound, recursively."""
    if not _THAI_CHAR.match(word):
        return ()
    parts = list(compound_parts(word))
    core = morpheme_core(word)
    if core is not None:
        parts.append(core)
    for part in list(parts):
        inner = morpheme_core(part)
        if inner is not None and inner not in GENERAL_PARTS:
            parts.append(inner)
    return tuple(p for p in dict.fromkeys(parts) if p != word and p not in PREFIX_PARTS)


def sub_lexeme(word: str) -> str:
    return SUB_MARK + word


def tsv_lexemes(text: str) -> list[str]:
    """The lexemes of the ranked text index: each word as itself, its sub-words marked."""
    out: list[str] = []
    for word in words(text):
        out.append(word)
        out.extend(sub_lexeme(part) for part in sub_words(word))
    return out


def query_cores(word: str) -> tuple[str, ...]:
    """For a query word, the shorter words that mean nearly the same (ผู้สูงอายุ -> สูงอายุ): a
    document may use another compound of the same core (วัยสูงอายุ). Only head morphemes that
    name a person or an age group, whose core keeps the meaning; never for short cores."""
    core = morpheme_core(word)
    if core is None or len(core) < QUERY_MIN_CORE_LENGTH or not word.startswith(QUERY_HEADS):
        return ()
    return (core,)


def is_thai(word: str) -> bool:
    return bool(_THAI_CHAR.search(word))
