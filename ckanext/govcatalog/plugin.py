"""Plugin ``govcatalog``: the base of the suite (CLI, validators; the metadata schema lands here)."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.cli
@tk.blanket.validators
class GovcatalogPlugin(p.SingletonPlugin):
    pass
