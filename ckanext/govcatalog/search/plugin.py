"""Plugin ``govcatalog_search``: CKAN search without Solr, on PostgreSQL, with Thai segmentation."""
from __future__ import annotations

import json
import logging
import sys
from typing import Any

import sqlalchemy as sa

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import logic, model

from . import backend

log = logging.getLogger(__name__)

# Modules that call ``make_connection()`` for the package index. ckanext-harvest imports the name
# for its "clear source" action, so it is routed too when loaded.
_CONNECTION_USERS = (
    "ckan.lib.search.index",
    "ckan.lib.search.query",
    "ckanext.harvest.logic.action.update",
)
_original_make_connection: dict[str, Any] = {}


def use_postgres() -> bool:
    return tk.config.get("ckanext.govcatalog.search.backend") == "postgres"


def make_connection(decode_dates: bool = True) -> Any:
    """Stands in for ``ckan.lib.search.common.make_connection`` while the backend is ``postgres``."""
    if use_postgres():
        return backend.PostgresSolrConnection()
    return _original_make_connection["ckan.lib.search.common"](decode_dates=decode_dates)


def _no_solr_schema_check(schema_file: Any = None) -> bool:
    return False


def _clear_and_commit(package_reference: str) -> None:
    """``ckan search-index clear <dataset>``: CKAN's own clear() never commits (Solr did)."""
    import ckan.lib.search as search

    search._govcatalog_clear(package_reference)
    if use_postgres():
        model.Session.commit()


def install() -> None:
    """Route CKAN's search connection through the PostgreSQL backend (idempotent)."""
    import ckan.lib.search as search
    import ckan.lib.search.common as common

    _original_make_connection.setdefault("ckan.lib.search.common", common.make_connection)
    if p.plugin_loaded("harvest"):
        import ckanext.harvest.logic.action.update  # noqa: F401  (so that its connection is routed too)
    for name in _CONNECTION_USERS:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "make_connection", None) is not make_connection:
            module.make_connection = make_connection  # type: ignore[attr-defined]
    if not hasattr(search, "_govcatalog_clear"):
        search._govcatalog_clear = search.clear
        search.clear = _clear_and_commit
    if not hasattr(search, "_govcatalog_check_solr_schema_version"):
        search._govcatalog_check_solr_schema_version = search.check_solr_schema_version
    search.check_solr_schema_version = (
        _no_solr_schema_check if use_postgres() else search._govcatalog_check_solr_schema_version
    )


def reindex_stale_members(group: model.Group) -> None:
    """After an organization or group is renamed, reindex the datasets that still carry the old name."""
    if not use_postgres():
        return
    # package_dictize reads the group with a Core select, which does not autoflush the new name.
    model.Session.flush()
    if group.is_organization:
        stale = sa.text(
            f"SELECT id FROM {backend.TABLE} WHERE terms @> CAST(:owner AS jsonb) "
            "AND NOT terms @> CAST(:named AS jsonb)"
        )
        params = {"owner": json.dumps({"owner_org": [group.id]}), "named": json.dumps({"organization": [group.name]})}
    else:
        stale = sa.text(
            f"SELECT d.id FROM {backend.TABLE} d JOIN member m ON m.table_id = d.id "
            "WHERE m.group_id = :group_id AND m.table_name = 'package' AND m.state = 'active' "
            "AND NOT d.terms @> CAST(:named AS jsonb)"
        )
        params = {"group_id": group.id, "named": json.dumps({"groups": [group.name]})}
    for (dataset_id,) in model.Session.execute(stale, params).all():
        logic.index_update_package({"ignore_auth": True}, dataset_id)


@tk.blanket.cli
@tk.blanket.config_declarations
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.blueprints
class GovcatalogSearchPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IOrganizationController, inherit=True)
    p.implements(p.IGroupController, inherit=True)

    # IConfigurer: runs before CKAN's start-up check of the Solr schema, which must be skipped
    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        install()

    # IOrganizationController / IGroupController
    def edit(self, entity: model.Group) -> None:
        reindex_stale_members(entity)
