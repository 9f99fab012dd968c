"""Load the Thai demo catalog: users, organizations and datasets from the JSON files beside this module.

Idempotent: what exists is left alone, so a second run only checks and returns quickly.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

HERE = Path(__file__).parent
ROLES = ("admin", "editor", "member")


# Every this-many-th demo dataset is left waiting for approval, so the approvers' queue has work.
LEFT_PENDING_EVERY = 12


@dataclass
class DemoReport:
    organizations_created: int = 0
    datasets_created: int = 0
    datasets_existing: int = 0
    new_passwords: dict[str, str] = field(default_factory=dict)


def read_json(name: str) -> list[dict[str, Any]]:
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def _context(user: str) -> dict[str, Any]:
    return {"user": user, "ignore_auth": True}


def _as_user(user: str) -> dict[str, Any]:
    """Acting as that user, with the same checks as for a person (four-eyes applies)."""
    return {"user": user}


def ensure_user(name: str, sysadmin: bool, report: DemoReport) -> None:
    if model.User.get(name) is not None:
        return
    password = secrets.token_urlsafe(12)
    tk.get_action("user_create")(
        {"ignore_auth": True},
        {"name": name, "email": f"{name}@demo.govcatalog.local", "password": password, "fullname": name},
    )
    if sysadmin:
        user = model.User.get(name)
        user.sysadmin = True
        model.Session.commit()
    report.new_passwords[name] = password


def ensure_organization(org: dict[str, Any], report: DemoReport) -> None:
    if model.Group.get(org["name"]) is None:
        tk.get_action("organization_create")(
            _context("admin"),
            {"name": org["name"], "title": org["title"], "description": org.get("description", "")},
        )
        report.organizations_created += 1
    for role in ROLES:
        username = f"{org['name']}-{role}"
        ensure_user(username, sysadmin=False, report=report)
        tk.get_action("organization_member_create")(
            _context("admin"), {"id": org["name"], "username": username, "role": role}
        )


def as_package_dict(dataset: dict[str, Any]) -> dict[str, Any]:
    """The demo record as package_create takes it with the schema: every field at the top level."""
    return dict(dataset, private=False)


def load_demo() -> DemoReport:
    report = DemoReport()
    ensure_user("admin", sysadmin=True, report=report)
    for org in read_json("organizations.json"):
        ensure_organization(org, report)
    for index, dataset in enumerate(read_json("datasets.json")):
        if model.Package.get(dataset["name"]) is not None:
            report.datasets_existing += 1
            continue
        editor, admin = f"{dataset['owner_org']}-editor", f"{dataset['owner_org']}-admin"
        tk.get_action("package_create")(_context(editor), as_package_dict(dataset))
        report.datasets_created += 1
        if p.plugin_loaded("govcatalog_workflow"):
            # the editor prepares and submits, the organization's admin (an approver) decides
            tk.get_action("govcatalog_workflow_submit")(_as_user(editor), {"id": dataset["name"]})
            if index % LEFT_PENDING_EVERY != LEFT_PENDING_EVERY - 1:
                tk.get_action("govcatalog_workflow_approve")(_as_user(admin), {"id": dataset["name"]})
    return report
