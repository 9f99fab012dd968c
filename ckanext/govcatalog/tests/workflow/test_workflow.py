"""Publish-approval workflow through the action API."""
from __future__ import annotations

import pytest

from .conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def test_draft_to_pending_to_published(agency):
    agency.create()
    assert agency.public_view() is None
    assert agency.ok("package_show", "editor", id="ds")["workflow_state"] == "draft"
    assert agency.ok("govcatalog_workflow_submit", "editor", id="ds")["workflow_state"] == "pending"
    assert agency.public_view() is None
    assert agency.ok("govcatalog_workflow_approve", "admin", id="ds")["workflow_state"] == "published"
    public = agency.public_view()
    assert public is not None and public["workflow_state"] == "published"
    history = agency.ok("govcatalog_workflow_history", None, id="ds")
    assert [(e["action"], e["from_state"], e["to_state"]) for e in history] == [
        ("submit", "draft", "pending"), ("approve", "pending", "published")]
    assert history[1]["actor_id"] == agency.users["admin"]["id"] and history[1]["revision_digest"]


def test_nobody_approves_their_own_submission(agency):
    agency.create(user="admin")
    agency.ok("govcatalog_workflow_submit", "admin", id="ds")
    response = agency.call("govcatalog_workflow_approve", "admin", id="ds")
    assert response.status_code == 409 and "own submission" in response.body
    assert agency.public_view() is None
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    assert agency.public_view() is not None


def test_nobody_approves_content_they_wrote(agency):
    agency.create()
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    agency.ok("package_patch", "admin", id="ds", notes="ข้อความที่ผู้ดูแลเขียนเอง")
    response = agency.call("govcatalog_workflow_approve", "admin", id="ds")
    assert response.status_code == 409 and "content you wrote" in response.body
    assert agency.public_view() is None
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    assert agency.public_view()["notes"] == "ข้อความที่ผู้ดูแลเขียนเอง"
    approval = agency.ok("govcatalog_workflow_history", "admin", id="ds")[-1]
    assert approval["action"] == "approve" and approval["actor_id"] == agency.users["approver"]["id"]
    assert approval["authors"] == sorted([agency.users["editor"]["id"], agency.users["admin"]["id"]])


def test_authors_of_a_revision_do_not_approve_it_and_are_reset_by_approval(agency):
    agency.create(user="admin")
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    agency.ok("resource_create", "admin", package_id="ds", name="ไฟล์ของผู้ดูแล", url="http://127.0.0.1/a.csv")
    assert agency.call("govcatalog_workflow_approve", "admin", id="ds").status_code == 409
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    agency.ok("package_patch", "editor", id="ds", title="แก้โดยบรรณาธิการ")
    agency.ok("govcatalog_workflow_approve", "admin", id="ds")  # the admin wrote nothing still unapproved
    events = agency.ok("govcatalog_workflow_history", "admin", id="ds")
    assert [e["authors"] for e in events if e["action"] == "approve_revision"] == [
        [agency.users["admin"]["id"]], [agency.users["editor"]["id"]]]


def test_a_sysadmin_who_wrote_the_content_may_approve_as_a_recorded_override(agency):
    agency.create()
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    agency.ok("package_patch", "sysadmin", id="ds", notes="แก้โดยผู้ดูแลระบบ")
    agency.ok("govcatalog_workflow_approve", "sysadmin", id="ds")
    assert agency.ok("govcatalog_workflow_history", "sysadmin", id="ds")[-1]["override"] is True


@pytest.mark.parametrize("reason", [5, 2.5, True, ["เหตุผล"], {"th": "เหตุผล"}])
@pytest.mark.parametrize("action", ["reject", "submit"])
def test_a_reason_must_be_text(agency, action, reason):
    agency.create()
    if action == "reject":
        agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    before = agency.ok("package_show", "editor", id="ds")["workflow_state"]
    response = agency.call(f"govcatalog_workflow_{action}", "admin", id="ds", reason=reason)
    assert response.status_code == 409 and response.json["error"]["reason"] == ["Must be text"]
    assert agency.ok("package_show", "editor", id="ds")["workflow_state"] == before


def test_a_reason_must_be_text_in_thai_too(agency):
    agency.create()
    response = agency.app.post("/th/api/3/action/govcatalog_workflow_submit", json={"id": "ds", "reason": [1]},
                               headers={"Authorization": agency.users["editor"]["token"]})
    assert response.status_code == 409 and response.json["error"]["reason"] == ["ต้องเป็นข้อความ"]


def test_a_sysadmin_override_is_recorded(agency):
    agency.create(user="sysadmin")
    agency.ok("govcatalog_workflow_submit", "sysadmin", id="ds")
    agency.ok("govcatalog_workflow_approve", "sysadmin", id="ds")
    assert agency.ok("govcatalog_workflow_history", "sysadmin", id="ds")[-1]["override"] is True


@pytest.mark.parametrize("attempt", [
    {"private": False},
    {"state": "active", "private": False},
])
def test_the_api_cannot_publish(agency, attempt):
    agency.create(private=False)
    assert agency.public_view() is None
    agency.ok("package_patch", "editor", id="ds", **attempt)
    assert agency.public_view() is None
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    agency.ok("package_patch", "editor", id="ds", **attempt)
    assert agency.public_view() is None


def test_rejection_needs_a_reason_and_allows_resubmission(agency):
    agency.create()
    agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    assert agency.call("govcatalog_workflow_reject", "admin", id="ds").status_code == 409
    rejected = agency.ok("govcatalog_workflow_reject", "admin", id="ds", reason="ขาดแหล่งที่มา")
    assert rejected["workflow_state"] == "rejected"
    agency.ok("package_patch", "editor", id="ds", data_source="กรมการปกครอง")
    assert agency.ok("govcatalog_workflow_submit", "editor", id="ds")["workflow_state"] == "pending"
    assert agency.ok("govcatalog_workflow_history", "editor", id="ds")[1]["reason"] == "ขาดแหล่งที่มา"


def test_withdrawal(agency):
    agency.publish()
    agency.ok("govcatalog_workflow_request_withdrawal", "editor", id="ds", reason="ข้อมูลล้าสมัย")
    assert agency.public_view() is not None  # still published until an approver withdraws it
    assert agency.call("govcatalog_workflow_withdraw", "editor", id="ds", reason="x").status_code == 403
    agency.ok("govcatalog_workflow_withdraw", "admin", id="ds", reason="ข้อมูลล้าสมัย")
    assert agency.public_view() is None


def test_an_editor_cannot_delete_a_published_dataset(agency):
    agency.publish()
    assert agency.call("package_delete", "editor", id="ds").status_code == 403
    assert agency.public_view() is not None
    agency.ok("package_delete", "admin", id="ds")
    assert agency.public_view() is None


def test_an_editor_may_delete_a_draft(agency):
    agency.create()
    agency.ok("package_delete", "editor", id="ds")


def test_an_edit_to_a_published_dataset_waits_for_approval(agency):
    before = agency.publish(title="ชื่อเดิม")
    result = agency.ok("package_patch", "editor", id="ds", title="ชื่อใหม่")
    assert result["workflow_pending_revision"] is True
    assert agency.public_view()["title"] == "ชื่อเดิม"
    assert any(item["name"] == "ds" and item["pending_revision"]
               for item in agency.ok("govcatalog_workflow_queue", "approver")["to_decide"])
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    after = agency.public_view()
    assert after["title"] == "ชื่อใหม่" and after["id"] == before["id"]
    assert [e["action"] for e in agency.ok("govcatalog_workflow_history", None, id="ds")][-2:] == [
        "submit_revision", "approve_revision"]


def test_a_rejected_revision_is_discarded(agency):
    agency.publish(title="ชื่อเดิม")
    agency.ok("package_patch", "editor", id="ds", title="ชื่อใหม่")
    agency.ok("govcatalog_workflow_reject", "admin", id="ds", reason="ไม่ถูกต้อง")
    assert agency.public_view()["title"] == "ชื่อเดิม"
    assert agency.ok("govcatalog_workflow_queue", "admin")["to_decide"] == []


def test_a_resource_change_waits_too(agency):
    agency.publish()
    agency.ok("resource_create", "editor", package_id="ds", name="ไฟล์ใหม่", url="http://127.0.0.1/new.csv")
    assert len(agency.public_view()["resources"]) == 1
    agency.ok("govcatalog_workflow_approve", "admin", id="ds")
    assert len(agency.public_view()["resources"]) == 2


def test_tightening_applies_at_once_loosening_waits(agency):
    agency.publish("open-one")
    agency.ok("package_patch", "editor", id="open-one", data_category="ข้อมูลความมั่นคง",
              data_classification="ลับที่สุด")
    assert agency.public_view("open-one") is None
    agency.publish("secret-one", data_category="ข้อมูลส่วนบุคคล", data_classification="ลับ")
    agency.ok("package_patch", "editor", id="secret-one", data_category="ข้อมูลสาธารณะ", data_classification="เปิดเผย")
    assert agency.public_view("secret-one")["data_classification"] == "ลับ"
    agency.ok("govcatalog_workflow_approve", "admin", id="secret-one")
    assert agency.public_view("secret-one")["data_classification"] == "เปิดเผย"


def test_a_second_editor_gets_a_clear_conflict(agency):
    agency.publish()
    agency.ok("package_patch", "editor", id="ds", title="แก้โดยคนแรก")
    response = agency.call("package_patch", "editor2", id="ds", title="แก้โดยคนที่สอง")
    assert response.status_code == 409 and "waiting for approval" in response.body
    agency.ok("govcatalog_workflow_approve", "admin", id="ds")
    assert agency.public_view()["title"] == "แก้โดยคนแรก"


def test_invalid_edit_of_a_published_dataset_is_a_validation_error(agency):
    agency.publish()
    response = agency.call("package_patch", "editor", id="ds", data_category="ข้อมูลสาธารณะ", data_classification="ลับ")
    assert response.status_code == 409 and "data_classification" in response.json["error"]
    assert agency.ok("govcatalog_workflow_queue", "admin")["to_decide"] == []


def test_named_approvers(agency):
    assert [a["username"] for a in agency.ok("govcatalog_approver_list", "admin", id="stats-office")] == [
        agency.users["approver"]["name"]]
    assert agency.call("govcatalog_approver_create", "editor", id="stats-office",
                       username=agency.users["outsider"]["name"]).status_code == 403
    agency.ok("govcatalog_approver_delete", "admin", id="stats-office", username=agency.users["approver"]["name"])
    assert agency.ok("govcatalog_approver_list", "admin", id="stats-office") == []


# --- auth matrix per action ----------------------------------------------------------------

DECIDERS = {"admin", "approver", "sysadmin"}
PREPARERS = {"editor", "editor2", "admin", "sysadmin"}
MATRIX_USERS = ("editor", "editor2", "admin", "member", "approver", "outsider", "other_admin", "sysadmin")


@pytest.mark.parametrize("user", MATRIX_USERS)
@pytest.mark.parametrize(("action", "setup", "allowed"), [
    ("govcatalog_workflow_submit", "draft", PREPARERS),
    ("govcatalog_workflow_approve", "pending", DECIDERS - {"sysadmin"} | {"sysadmin"}),
    ("govcatalog_workflow_reject", "pending", DECIDERS),
    ("govcatalog_workflow_request_withdrawal", "published", PREPARERS),
    ("govcatalog_workflow_withdraw", "published", DECIDERS),
])
def test_auth_matrix(agency, user, action, setup, allowed):
    agency.create()
    if setup in ("pending", "published"):
        agency.ok("govcatalog_workflow_submit", "editor", id="ds")
    if setup == "published":
        agency.ok("govcatalog_workflow_approve", "admin", id="ds")
    response = agency.call(action, user, id="ds", reason="เหตุผล")
    assert (response.status_code == 200) is (user in allowed), response.body
    if user not in allowed:
        assert response.status_code == 403
