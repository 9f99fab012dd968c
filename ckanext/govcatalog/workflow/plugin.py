"""Plugin ``govcatalog_workflow``: nothing is disclosed before an approver approves it.

- every dataset has a workflow state (service.py); CKAN's private flag follows it, so neither the
  API (private=false, a level change, a resource change) nor a button publishes anything;
- an edit to a published dataset becomes a pending revision: the public keeps the approved version
  (a stricter classification applies at once), and its files wait apart until approval;
- the resource uploader refuses to write a live file of a published dataset unless an approved
  revision is being applied (defence in depth, uploader.py);
- the policy asks this plugin for the state and for the approvers it names.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import access

from . import service, uploader
from .model import WorkflowRecord, approver_organizations


def workflow_state_lookup(package_id: str) -> Optional[str]:
    record = WorkflowRecord.get(package_id)
    return record.state if record is not None else None


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints
class GovcatalogWorkflowPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.ISignal)
    p.implements(p.IUploader, inherit=True)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        if workflow_state_lookup not in access.WORKFLOW_STATE_LOOKUPS:
            access.WORKFLOW_STATE_LOOKUPS.append(workflow_state_lookup)
        if approver_organizations not in access.APPROVER_LOOKUPS:
            access.APPROVER_LOOKUPS.append(approver_organizations)
        if WorkflowRecord.load_many not in access.WORKFLOW_STATE_PREFETCHES:
            access.WORKFLOW_STATE_PREFETCHES.append(WorkflowRecord.load_many)

    # ISignal: mail about decisions, from a background job
    def get_signal_subscriptions(self) -> dict[Any, Any]:
        from . import notify

        return {tk.signals.ckanext.signal("govcatalog_workflow_transition"): [notify.on_transition]}

    # IUploader: CKAN's own resource uploader, guarded
    def get_resource_uploader(self, data_dict: dict[str, Any]) -> Any:
        return uploader.resource_uploader(data_dict)

    def get_uploader(self, upload_to: str, old_filename: Optional[str]) -> None:
        return None  # images and other files: CKAN's default

    # IPackageController
    def create(self, entity: model.Package) -> None:
        record = service.record_for(entity)
        record.state = service.DRAFT
        record.authors = [entity.creator_user_id] if entity.creator_user_id else []
        service.sync_disclosure(entity, service.DRAFT)

    def edit(self, entity: model.Package) -> None:
        service.sync_disclosure(entity, service.state_of(entity))

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        package = model.Package.get(pkg_dict.get("id"))
        if package is None:
            return
        state = service.state_of(package)
        pkg_dict["workflow_state"] = state
        pkg_dict["workflow_state_display"] = service.state_name(state)
