"""Template helpers of the base plugin (registered through toolkit.blanket.helpers)."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins.toolkit as tk

__all__ = ["govcatalog_display_date"]

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
