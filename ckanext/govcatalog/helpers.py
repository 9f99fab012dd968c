"""Template helpers of the base plugin (registered through toolkit.blanket.helpers)."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import vocabulary

__all__ = ["govcatalog_display_date", "govcatalog_form_rules"]

def N_(message: str) -> str:
    """Marks a message for extraction (make i18n); it is translated with tk._ when shown."""
    return message


THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def format_date(value: Any, language: str) -> str:
    """31 ธันวาคม 2566 in Thai (Buddhist era), 31 December 2023 otherwise; the value as is if not a date."""
    try:
        date = datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    if language == "th":
        return f"{date.day} {THAI_MONTHS[date.month - 1]} {date.year + 543}"
    return f"{date.day} {ENGLISH_MONTHS[date.month - 1]} {date.year}"


def govcatalog_display_date(value: Any) -> str:
    return format_date(value, tk.h.lang() or "en")


def govcatalog_form_rules(dataset_type: str, fields_key: str, package_name: str | None = None) -> dict[str, Any]:
    """What the form script needs: each field's type groups and "other" base, and the type->group map.

    On the resource form the dataset's type is fixed, so it is passed as ``data_type``.
    """
    schema = tk.h.scheming_get_dataset_schema(dataset_type) or {}
    fields: dict[str, Any] = {}
    for field in schema.get(fields_key, []):
        rule: dict[str, Any] = {}
        if field.get("govcatalog_groups"):
            rule["groups"] = field["govcatalog_groups"]
        if field.get("govcatalog_other_of") or field["field_name"].endswith("_other"):
            base = field.get("govcatalog_other_of") or field["field_name"][: -len("_other")]
            rule.update(other_of=base, other_value=vocabulary.OTHER_BY_FIELD.get(base, vocabulary.OTHER))
        if rule:
            fields[field["field_name"]] = rule
    package = model.Package.get(package_name) if package_name else None
    return {
        "fields": fields,
        "group_of_type": vocabulary.GROUP_OF_TYPE,
        "data_type": (package.extras or {}).get("data_type") if package else None,
    }
