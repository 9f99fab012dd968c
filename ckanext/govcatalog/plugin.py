"""Plugin ``govcatalog``: the base of the suite (CLI, validators, translations; the schema lands here)."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation


@tk.blanket.cli
@tk.blanket.validators
class GovcatalogPlugin(DefaultTranslation, p.SingletonPlugin):
    # Thai and English catalogs in ckanext/govcatalog/i18n (domain ckanext-govcatalog)
    p.implements(p.ITranslation)
