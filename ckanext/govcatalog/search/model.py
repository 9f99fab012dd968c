"""The search index table: one row per indexed dataset (created by migrations/govcatalog_search)."""
from __future__ import annotations

import datetime
from typing import Any, Optional

from sqlalchemy import Column, Text, types
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

import ckan.plugins.toolkit as tk


class SearchDocument(tk.BaseModel):  # type: ignore[misc, valid-type]
    """What Solr would hold for a dataset, in a shape PostgreSQL can filter, rank and facet.

    - ``doc``: the flat document CKAN builds for Solr (without the two JSON blobs), as built;
    - ``terms``: every field as a list of strings, for exact filters and facet counts;
    - ``field_lexemes``: per text field (title, notes, extras_*...), its analyzed lexemes;
    - ``tsv``: all searchable text, weighted title (A) > tags (B) > notes (C) > the rest (D);
    - ``word_text``: the analyzed words in order, to check quoted phrases;
    - ``title_folded``: the title lower-cased, for autocomplete by any part of it.
    """

    __tablename__ = "govcatalog_search_document"

    id: Any = Column(Text, primary_key=True)
    site_id: Any = Column(Text, nullable=False)
    name: Any = Column(Text)
    title_folded: Any = Column(Text, nullable=False, default="")  # for autocomplete (title_ngram)
    doc: Any = Column(JSONB, nullable=False)
    terms: Any = Column(JSONB, nullable=False)
    field_lexemes: Any = Column(JSONB, nullable=False)
    tsv: Any = Column(TSVECTOR, nullable=False)
    word_text: Any = Column(Text, nullable=False)
    permission_labels: Any = Column(ARRAY(Text), nullable=False, default=list)
    state: Any = Column(Text, nullable=False, default="")
    capacity: Any = Column(Text, nullable=False, default="")
    dataset_type: Any = Column(Text, nullable=False, default="")
    metadata_modified: Optional[datetime.datetime] = Column(types.DateTime(timezone=True))
    data_dict: Any = Column(Text)
    validated_data_dict: Any = Column(Text)
    indexed_at: datetime.datetime = Column(
        types.DateTime(timezone=True),
        nullable=False,
        default=lambda: datetime.datetime.now(datetime.timezone.utc),
    )
