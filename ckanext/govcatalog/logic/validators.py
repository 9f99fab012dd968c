"""Validators of the base plugin, registered by name (toolkit.blanket.validators) for schemas/dataset.yaml.

navl runs the field validators of a dataset in alphabetical order of the field names, so a check
that reads another field reads it defensively: raw as sent, or already converted.
"""
from __future__ import annotations

import datetime
import json
import re
import unicodedata
from typing import Any, Callable, Optional
from urllib.parse import urlparse

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Missing, StopOnError, missing
from ckanext.scheming.validation import scheming_validator

from ckanext.govcatalog import policy, vocabulary

__all__ = [
    "tag_name_validator",
    "tag_string_convert",
    "govcatalog_only_for_groups",
    "govcatalog_other_companion",
    "govcatalog_classification_allowed",
    "govcatalog_category_defaults",
    "govcatalog_dataset_defaults",
    "govcatalog_positive_integer",
    "govcatalog_url",
    "govcatalog_true_false",
    "govcatalog_year",
    "govcatalog_year_not_before_first",
    "govcatalog_date",
    "govcatalog_longitude",
    "govcatalog_latitude",
    "govcatalog_bbox_west_east",
    "govcatalog_bbox_south_north",
]

Validator = Callable[..., Any]
_TAG_PUNCTUATION = frozenset(" -_.")
OTHER = "อื่นๆ"
BUDDHIST_ERA_OFFSET = 543


def is_valid_tag_name(value: str) -> bool:
    """Letters, combining marks, digits, spaces, '-', '_' and '.'.

    CKAN's own rule uses the regex class \\w, which leaves out combining marks, so it rejects
    most Thai words (the vowel in ทะเบียน, สุขภาพ is a mark). Marks are part of the word here.
    """
    return all(c in _TAG_PUNCTUATION or unicodedata.category(c)[0] in "LMN" for c in value)


def tag_name_validator(value: Any, context: Any) -> Any:
    """Replaces CKAN's core validator of the same name, so every schema that uses it accepts Thai."""
    if not isinstance(value, str) or not is_valid_tag_name(value):
        raise tk.Invalid(
            tk._('Tag "%s" can only contain letters, numbers, spaces (" "), hyphens ("-"), '
                 'underscores ("_") or dots (".")') % value
        )
    return value


def tag_string_convert(key: tuple, data: dict, errors: dict, context: Any) -> None:
    """Replaces CKAN's converter of the same name, which calls CKAN's own tag_name_validator
    directly: tags typed in the form ("ประชากร, จังหวัด") are checked by the Thai-aware rule."""
    value = data[key]
    if isinstance(value, str):
        tags = [t.strip() for t in value.split(",") if t.strip()]
    elif isinstance(value, list) and all(isinstance(t, str) for t in value):
        tags = value
    else:
        raise tk.Invalid(tk._("Tags must be text, separated by commas"))
    next_index = max([int(k[1]) for k in data if len(k) == 3 and k[0] == "tags"] + [-1]) + 1
    for offset, tag in enumerate(tags):
        data[("tags", next_index + offset, "name")] = tag
    for tag in tags:
        tk.get_validator("tag_length_validator")(tag, context)
        tag_name_validator(tag, context)


# --- helpers --------------------------------------------------------------------------------

def _is_empty(value: Any) -> bool:
    return value is missing or value is None or isinstance(value, Missing) or value == "" or value == []


def _values(value: Any) -> list[str]:
    """A choice field's value(s), raw (str or list) or as scheming stores multiple choices (JSON)."""
    if _is_empty(value):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    text = str(value)
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except ValueError:
            pass
    return [text]


def _drop(key: tuple, data: dict) -> None:
    """Remove a value that does not apply, and stop its other validators (no extra is stored)."""
    data.pop(key, None)
    raise StopOnError


def _sibling(key: tuple, name: str) -> tuple:
    """The key of another field at the same level (top level, or the same resource)."""
    return key[:-1] + (name,)


# --- type groups and "other" companions -------------------------------------------------------

@scheming_validator
def govcatalog_only_for_groups(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Keep the value only when the dataset's data_type belongs to one of the field's groups."""
    groups = set(field.get("govcatalog_groups") or [])

    def validator(key: tuple, data: dict, errors: dict, context: Any) -> None:
        group = vocabulary.group_of_type(data.get(("data_type",)))
        if group not in groups:
            _drop(key, data)

    return validator


@scheming_validator
def govcatalog_other_companion(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Required exactly when อื่นๆ is chosen in the base field; dropped otherwise."""
    name = field["field_name"]
    base = field.get("govcatalog_other_of") or name[: -len("_other")]

    def validator(key: tuple, data: dict, errors: dict, context: Any) -> None:
        chosen = _values(data.get(_sibling(key, base)))
        if not any(vocabulary.is_other(base, value) for value in chosen):
            _drop(key, data)
        if _is_empty(data.get(key)) or not str(data.get(key)).strip():
            errors[key].append(tk._("Please specify, since “other” (อื่นๆ) was chosen"))
            raise StopOnError

    return validator


# --- classification ------------------------------------------------------------------------

def govcatalog_classification_allowed(key: tuple, data: dict, errors: dict, context: Any) -> None:
    category = data.get(("data_category",))
    level = data.get(key)
    # anything but a known category is reported by data_category's own validators
    if not isinstance(category, str) or not isinstance(level, str) or category not in policy.ALLOWED_LEVELS:
        return
    if not policy.category_allows(category, level):
        allowed = ", ".join(policy.ALLOWED_LEVELS[category])
        errors[key].append(
            tk._("The classification %(level)s is not allowed for %(category)s; allowed: %(allowed)s")
            % {"level": level, "category": category, "allowed": allowed}
        )


def govcatalog_category_defaults(value: Any, context: Any) -> Any:
    """Kept for the schema's field list; the defaults themselves are set before validation
    (govcatalog_dataset_defaults) because navl validates accessible_condition before data_category."""
    return value


def govcatalog_dataset_defaults(key: tuple, data: dict, errors: dict, context: Any) -> None:
    """Public data (ข้อมูลสาธารณะ) is open to all: no access condition, harvest allowed."""
    if data.get(("data_category",)) != policy.PUBLIC_DATA:
        return
    if _is_empty(data.get(("accessible_condition",))):
        data[("accessible_condition",)] = policy.PUBLIC_ACCESS_CONDITION
    data[("allow_harvest",)] = "True"


# --- values ---------------------------------------------------------------------------------

def govcatalog_positive_integer(value: Any, context: Any) -> Any:
    if _is_empty(value):
        return value
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise tk.Invalid(tk._("Must be a whole number greater than zero"))
    return str(number)


def govcatalog_url(value: Any, context: Any) -> Any:
    if _is_empty(value):
        return value
    parsed = urlparse(str(value).strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in parsed.netloc:
        raise tk.Invalid(tk._("Please enter a web address starting with http:// or https://"))
    return str(value).strip()


_TRUE = {"true", "1", "yes", "on", "ใช่"}
_FALSE = {"false", "0", "no", "off", "ไม่ใช่"}


def govcatalog_true_false(value: Any, context: Any) -> Any:
    """The national vocabulary stores booleans as the strings "True" and "False"."""
    if _is_empty(value):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return "True"
    if text in _FALSE:
        return "False"
    raise tk.Invalid(tk._('Must be "True" or "False"'))


def ce_year(year: int) -> int:
    """A year as people type it (Buddhist era 2566 or Common era 2023) in the Common era."""
    return year - BUDDHIST_ERA_OFFSET if year >= 2400 else year


def parse_year(value: Any) -> Optional[int]:
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}", text):
        return None
    year = ce_year(int(text))
    return year if 1800 <= year <= 2200 else None


def govcatalog_year(value: Any, context: Any) -> Any:
    """A year, Buddhist era (2566) or Common era (2023); stored as typed, compared in the CE."""
    if _is_empty(value):
        return value
    if parse_year(value) is None:
        raise tk.Invalid(tk._("Please enter a four-digit year, e.g. 2566 (B.E.) or 2023 (C.E.)"))
    return str(value).strip()


def govcatalog_year_not_before_first(key: tuple, data: dict, errors: dict, context: Any) -> None:
    first = parse_year(data.get(_sibling(key, key[-1].replace("last_year", "first_year"))) or "")
    last = parse_year(data.get(key) or "")
    if first is not None and last is not None and last < first:
        errors[key].append(tk._("The latest year cannot be before the first year"))


_THAI_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?")


def parse_date(value: Any) -> Optional[datetime.date]:
    """ISO (2023-12-31, also with a B.E. year) or day/month/year as Thais write it (31/12/2566)."""
    text = str(value).strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _THAI_DATE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None
    try:
        return datetime.date(ce_year(year), month, day)
    except ValueError:
        return None


def govcatalog_date(value: Any, context: Any) -> Any:
    """Stored as an ISO date in the Common era, whatever the person typed."""
    if _is_empty(value):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()[:10]
    date = parse_date(value)
    if date is None:
        raise tk.Invalid(tk._("Please enter a date as 31/12/2566 or 2023-12-31"))
    return date.isoformat()


def _coordinate(limit: float, value: Any) -> Any:
    if _is_empty(value):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    if not -limit <= number <= limit:  # also rejects NaN
        raise tk.Invalid(tk._("Must be a number between -%(limit)s and %(limit)s") % {"limit": int(limit)})
    return str(number)


def govcatalog_longitude(value: Any, context: Any) -> Any:
    return _coordinate(180.0, value)


def govcatalog_latitude(value: Any, context: Any) -> Any:
    return _coordinate(90.0, value)


def _float_or_none(value: Any) -> Optional[float]:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _bound_is_below(key: tuple, data: dict, low_field: str) -> bool:
    """Whether the other bound (read raw: navl validates east before west) is above this one."""
    low = _float_or_none(data.get(_sibling(key, low_field)))
    high = _float_or_none(data.get(key))
    return low is not None and high is not None and low > high


def govcatalog_bbox_west_east(key: tuple, data: dict, errors: dict, context: Any) -> None:
    if _bound_is_below(key, data, "west_bound_longitude"):
        errors[key].append(tk._("The east bound must not be west of the west bound"))


def govcatalog_bbox_south_north(key: tuple, data: dict, errors: dict, context: Any) -> None:
    # north_bound_longitude and south_bound_longitude hold latitudes, despite their names
    if _bound_is_below(key, data, "south_bound_longitude"):
        errors[key].append(tk._("The north bound must not be south of the south bound"))
