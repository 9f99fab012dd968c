"""Search facets of the national vocabulary, with choice labels in the reader's language."""
from __future__ import annotations

import json

import flask
from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.govcatalog.helpers import N_



# field name -> facet title
VOCABULARY_FACETS: dict[str, str] = {
    "data_type": N_("Dataset type"),
    "data_category": N_("Data category"),
    "data_classification": N_("Classification level"),
    "objective": N_("Objective"),
    "geo_coverage": N_("Geographic coverage"),
    "update_frequency_unit": N_("Update frequency"),
    "high_value_dataset": N_("High-value dataset"),
}


def add_vocabulary_facets(facets: dict[str, Any]) -> dict[str, Any]:
    """The national fields first (as the national catalogs show them), then CKAN's own."""
    ordered = {field: tk._(title) for field, title in VOCABULARY_FACETS.items()}
    ordered.update(facets)
    return ordered


def decode_json_lists(document: dict[str, Any]) -> dict[str, Any]:
    """Multiple choices are stored as JSON lists; index them as lists of values (for facets and
    for text search, which would otherwise see the JSON's \\u escapes)."""
    for key, value in document.items():
        if isinstance(value, str) and value.startswith("["):
            try:
                decoded = json.loads(value)
            except ValueError:
                continue
            if isinstance(decoded, list) and all(isinstance(v, str) for v in decoded):
                document[key] = decoded
    return document


def label_facet_items(search_facets: dict[str, Any], dataset_type: str = "dataset") -> None:
    """Show facet values with the schema's choice label in the current language (pages only)."""
    if not flask.has_request_context():
        return
    schema = tk.h.scheming_get_dataset_schema(dataset_type) if "scheming_get_dataset_schema" in tk.h else None
    if not schema:
        return
    for name, facet in search_facets.items():
        field = tk.h.scheming_field_by_name(schema["dataset_fields"], name)
        if not field or not field.get("choices"):
            continue
        for item in facet.get("items", []):
            label = _choice_label(field["choices"], item.get("name"))
            if label:
                item["display_name"] = label


def _choice_label(choices: list[dict[str, Any]], value: Any) -> Optional[str]:
    for choice in choices:
        if choice.get("value") == value:
            return tk.h.scheming_language_text(choice.get("label", value))
    return None
