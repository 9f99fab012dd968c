"""Plugin ``govcatalog``: the metadata standard (มสพร.1/2566) and the one classification policy.

- the scheming schema in schemas/ (five dataset types, category and classification), validated
  on the server by logic/validators.py;
- who sees metadata and files: policy.py, applied through auth functions, permission labels
  (search), resource hiding in package_show and package_search, and the search index document;
- the change feed (harvest/feed.py, ``govcatalog_changes``): always on, because a change recorded
  while it was off would be lost and pullers would never learn of that withdrawal.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.plugins import DefaultPermissionLabels, DefaultTranslation

from . import access, changes, facets, gate, hiding, policy
from .harvest import feed
from .logic import action


@tk.blanket.cli
@tk.blanket.config_declarations
@tk.blanket.validators
@tk.blanket.auth_functions
@tk.blanket.helpers
class GovcatalogPlugin(DefaultTranslation, DefaultPermissionLabels, p.SingletonPlugin):
    p.implements(p.ITranslation)  # Thai and English catalogs in i18n/ (domain ckanext-govcatalog)
    p.implements(p.IConfigurer)
    p.implements(p.IPermissionLabels)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IActions)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IDomainObjectModification, inherit=True)

    # IConfigurer (the schema itself is named in the config: scheming.dataset_schemas, see
    # deploy/ckan-settings.ini, because scheming reads it before this plugin's update_config runs)
    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "govcatalog")

    # IPermissionLabels: search shows a dataset to exactly the users the policy lets see it
    def get_dataset_labels(self, dataset_obj: model.Package) -> list[str]:
        return policy.dataset_labels(access.dataset_facts(dataset_obj))

    def get_user_dataset_labels(self, user_obj: model.User | None) -> list[str]:
        return policy.user_labels(access.user_facts(user_obj))

    # IActions: core read paths that return dataset data, chained to the policy's filters
    def get_actions(self) -> dict[str, Any]:
        return action.get_actions()

    # IMiddleware: sysadmin-only and unreviewed surfaces are refused before they run (surfaces.py)
    def make_middleware(self, app: Any, config: Any) -> Any:
        return gate.install(app)

    # IDomainObjectModification: runs in the committing transaction, for every dataset written
    # (created, changed, deleted or purged), whatever action or job wrote it: the change feed.
    def notify(self, entity: Any, operation: str) -> None:
        if isinstance(entity, model.Package):
            feed.record(entity, gone=operation == model.DomainObjectOperation.deleted)

    # IPackageController
    def create(self, entity: model.Package) -> None:
        keep_top_secret_private(entity)

    def edit(self, entity: model.Package) -> None:
        keep_top_secret_private(entity)

    def delete(self, entity: model.Package) -> None:
        changes.mark_modified(entity)  # CKAN keeps it on delete: pullers would never look again

    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        # Activities keep the labels they were recorded with; a tightened level must hide the
        # dataset's past activities (user and dashboard streams) at once too.
        package = model.Package.get(pkg_dict.get("id"))
        if package is not None and p.plugin_loaded("activity"):
            hiding.relabel_activities(package.id, self.get_dataset_labels(package))

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        document = hiding.strip_index_document(facets.decode_json_lists(pkg_dict))
        # pullers filter on fq=allow_harvest:True: it matches exactly the consenting entries (an
        # empty answer, never asked, consents as the policy reads it)
        document["allow_harvest"] = "True" if access.dataset_facts(document).harvest_consent else "False"
        return document

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        if context.get("ignore_auth"):  # the system itself (indexing, jobs) sees everything
            return
        hiding.withhold_for(pkg_dict, access.user_facts(access.user_from_context(context)))

    def after_dataset_search(self, search_results: dict[str, Any], search_params: Any) -> dict[str, Any]:
        user = access.user_facts(access.current_user())
        held = access.prefetch_workflow_states(r.get("id") for r in search_results["results"] if isinstance(r, dict))
        search_results["results"] = [
            hiding.sanitize_search_result(r, user) if isinstance(r, dict) else r for r in search_results["results"]
        ]
        del held  # the states were read in one query and used above
        facets.label_facet_items(search_results.get("search_facets") or {})
        return search_results

    # IFacets
    def dataset_facets(self, facets_dict: dict[str, Any], package_type: str) -> dict[str, Any]:
        return facets.add_vocabulary_facets(facets_dict)

    def organization_facets(self, facets_dict: dict[str, Any], organization_type: str,
                            package_type: str | None) -> dict[str, Any]:
        return facets.add_vocabulary_facets(facets_dict)


def keep_top_secret_private(entity: model.Package) -> None:
    """CKAN's private flag: core code that reads it (lists, counts, feeds) never shows top secret."""
    if policy.is_top_secret(access.dataset_facts(entity)):
        entity.private = True
