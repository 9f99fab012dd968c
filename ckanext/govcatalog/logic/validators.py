"""Validators of the base plugin (registered by name through toolkit.blanket.validators)."""
from __future__ import annotations

import unicodedata
from typing import Any

import ckan.plugins.toolkit as tk

_TAG_PUNCTUATION = frozenset(" -_.")


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
