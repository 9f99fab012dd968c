"""Who may read and edit the synonym list: the catalog manager (sysadmins; CKAN lets them through)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["govcatalog_synonym_list", "govcatalog_synonym_create", "govcatalog_synonym_update",
           "govcatalog_synonym_delete"]


def _catalog_manager(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False, "msg": tk._("Only the catalog manager may edit the synonyms")}


govcatalog_synonym_list = _catalog_manager
govcatalog_synonym_create = _catalog_manager
govcatalog_synonym_update = _catalog_manager
govcatalog_synonym_delete = _catalog_manager
