"""Plugin ``govcatalog_sync``: approved datasets reach the national catalogs, and leave them.

- push targets (data.go.th, GD Catalog where it grants a token, any CKAN) are declared in the
  configuration; their tokens come from the environment or a token file, never from ckan.ini;
- what a target may hold is asked of the policy (``policy.target_disclosure``); payloads carry
  only what it allows; a record per dataset and target remembers what the target holds;
- workflow transitions and dataset changes enqueue jobs (queue ``govcatalog_sync``); failures are
  retried with backoff; a reconcile run repairs drift, hand edits on the target included;
- GD Catalog's registration state of each dataset is asked by a background job and cached; a
  registered dataset is not deleted by an editor (its deletion becomes a withdrawal request).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import jobs


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.config_declarations
class GovcatalogSyncPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ISignal)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")

    # ISignal: decisions of the workflow and CKAN's own dataset actions enqueue sync jobs
    def get_signal_subscriptions(self) -> dict[Any, Any]:
        return {
            tk.signals.ckanext.signal("govcatalog_workflow_transition"): [jobs.on_transition],
            tk.signals.action_succeeded: [jobs.on_action],
        }
