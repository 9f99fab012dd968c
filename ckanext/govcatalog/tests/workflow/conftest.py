"""A small agency for workflow tests: editors, an admin (an approver by default), a member,
a named approver, people of another organization, and an API to act as any of them."""
from __future__ import annotations

import io
from typing import Any

import pytest

from ckan.tests import factories, helpers

from ckanext.govcatalog.tests.schema.payloads import dataset_payload

WORKFLOW_PLUGINS = "govcatalog_search govcatalog scheming_datasets activity govcatalog_workflow"


class Agency:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.org = factories.Organization(name="stats-office")
        self.other_org = factories.Organization(name="land-office")
        self.users = {name: factories.UserWithToken() for name in (
            "editor", "editor2", "admin", "member", "approver", "outsider", "other_admin")}
        self.users["sysadmin"] = factories.SysadminWithToken()
        for name, role in (("editor", "editor"), ("editor2", "editor"), ("admin", "admin"), ("member", "member")):
            helpers.call_action("organization_member_create", id=self.org["id"],
                                username=self.users[name]["name"], role=role)
        helpers.call_action("organization_member_create", id=self.other_org["id"],
                            username=self.users["other_admin"]["name"], role="admin")
        self.call("govcatalog_approver_create", "admin", id=self.org["id"], username=self.users["approver"]["name"])

    def call(self, action: str, user: str | None, **data: Any) -> Any:
        headers = {"Authorization": self.users[user]["token"]} if user else {}
        return self.app.post(f"/api/3/action/{action}", json=data, headers=headers)

    def ok(self, action: str, user: str | None, **data: Any) -> Any:
        response = self.call(action, user, **data)
        assert response.status_code == 200, response.body
        return response.json["result"]

    def create(self, name: str = "ds", user: str = "editor", **overrides: Any) -> dict[str, Any]:
        return self.ok("package_create", user, **dataset_payload(self.org["id"], name, **overrides))

    def public_view(self, name: str = "ds") -> dict[str, Any] | None:
        response = self.app.get("/api/3/action/package_show", query_string={"id": name})
        return response.json["result"] if response.status_code == 200 else None

    def upload(self, action: str, user: str, content: bytes, filename: str = "data.csv", **data: Any) -> Any:
        """A multipart API call with a file in ``upload`` (core's resource upload field)."""
        return self.app.post(f"/api/3/action/{action}", data={**data, "upload": (io.BytesIO(content), filename)},
                             headers={"Authorization": self.users[user]["token"]})

    def download(self, dataset: str, resource_id: str, user: str | None) -> Any:
        headers = {"Authorization": self.users[user]["token"]} if user else {}
        return self.app.get(f"/dataset/{dataset}/resource/{resource_id}/download", headers=headers)

    def publish(self, name: str = "ds", **overrides: Any) -> dict[str, Any] | None:
        self.create(name, **overrides)
        self.ok("govcatalog_workflow_submit", "editor", id=name)
        self.ok("govcatalog_workflow_approve", "admin", id=name)
        return self.public_view(name)


@pytest.fixture
def agency(app):
    return Agency(app)
