"""Workflow on the pages: the dataset panel, the approvers' queue with bulk decisions, the audit CSV."""
from __future__ import annotations

import pytest

from .conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def page(agency, path: str, user: str | None, **kwargs):
    headers = {"Authorization": agency.users[user]["token"]} if user else {}
    return agency.app.get(path, headers=headers, **kwargs)


def test_the_editor_sees_submit_and_the_approver_approve(agency):
    agency.create()
    editor_page = page(agency, "/dataset/ds", "editor").body
    assert 'name="workflow-submit"' in editor_page and 'name="workflow-approve"' not in editor_page
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    approver_page = page(agency, "/dataset/ds", "approver").body
    assert 'name="workflow-approve"' in approver_page and 'name="workflow-reject"' in approver_page


def test_visitors_and_members_see_no_workflow_controls(agency):
    agency.publish()
    for user in (None, "member", "outsider"):
        assert "govcatalog-workflow" not in page(agency, "/dataset/ds", user).body


def test_the_pending_revision_is_shown_as_a_diff_with_thai_labels(agency):
    agency.publish(title="ชื่อเดิม")
    agency.ok("package_patch", "editor", id="ds", title="ชื่อใหม่")
    body = page(agency, "/th/dataset/ds", "approver").body
    assert "govcatalog-diff" in body and "ชื่อชุดข้อมูล" in body
    assert "<del>ชื่อเดิม</del>" in body and "<ins>ชื่อใหม่</ins>" in body


def test_queue_page_lists_and_bulk_approves(agency):
    for name in ("a-one", "a-two"):
        agency.create(name)
        agency.ok("govcatalog_workflow_submit", "editor", id=name)
    body = page(agency, "/dashboard/approvals", "approver").body
    assert "a-one" in body and "a-two" in body
    ids = [agency.ok("package_show", "approver", id=n)["id"] for n in ("a-one", "a-two")]
    response = agency.app.post("/dashboard/approvals", data={"decision": "approve", "dataset": ids},
                               headers={"Authorization": agency.users["approver"]["token"]})
    assert response.status_code == 200
    assert agency.public_view("a-one") is not None and agency.public_view("a-two") is not None
    assert "my submissions" in page(agency, "/dashboard/approvals", "editor").body.lower()


def test_header_counts_what_waits(agency):
    agency.create()
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    body = page(agency, "/dataset/", "approver").body
    assert 'govcatalog-approvals-link' in body and '<span class="badge">1</span>' in body


def test_history_as_csv(agency):
    agency.publish()
    response = page(agency, "/dataset/ds/workflow/history.csv", "editor")
    assert response.headers["Content-Type"].startswith("text/csv")
    lines = response.body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("created_at,action,from_state,to_state")
    assert [line.split(",")[1] for line in lines[1:]] == ["submit", "approve"]


def test_a_decision_from_the_dataset_page(agency):
    agency.create()
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    response = agency.app.post("/dataset/ds/workflow/reject", data={"reason": "ข้อมูลไม่ครบ"},
                               headers={"Authorization": agency.users["approver"]["token"]})
    assert response.status_code == 200
    assert agency.ok("package_show", "editor", id="ds")["workflow_state"] == "rejected"
