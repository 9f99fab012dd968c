"""Files of a published dataset change only when an approver approves the change: an upload in an
edit waits apart (staged) with the pending revision, approval swaps it in with the metadata,
rejection deletes it, and CKAN's uploader refuses any other write to a live file."""
from __future__ import annotations

import io
import pathlib
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

import ckan.lib.uploader as uploader
import ckan.model as model
from ckan import logic
from ckan.tests import helpers

from .conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

OLD, NEW = b"province,people\nbangkok,5494932\n", b"province,people\nbangkok,9999999\n"
# a published open dataset's files are for everyone: anonymous, people of no or another
# organization, a plain member, an approver
VIEWERS = (None, "outsider", "other_admin", "member", "approver")


@pytest.fixture
def storage(tmp_path, monkeypatch, ckan_config) -> pathlib.Path:
    monkeypatch.setitem(ckan_config, "ckan.storage_path", str(tmp_path))
    return tmp_path


def staged_files(storage: pathlib.Path) -> list[pathlib.Path]:
    return [p for p in (storage / "govcatalog" / "staged").rglob("*") if p.is_file()]


def published_with_file(agency, name: str = "ds") -> dict[str, Any]:
    """A published dataset whose only resource is an uploaded file (uploaded while a draft)."""
    created = agency.create(name)
    resource_id = created["resources"][0]["id"]
    assert agency.upload("resource_patch", "editor", OLD, id=resource_id).status_code == 200
    agency.ok("govcatalog_workflow_submit", "editor", id=name)
    agency.ok("govcatalog_workflow_approve", "admin", id=name)
    return agency.public_view(name)


def bytes_seen(agency, resource_id: str, name: str = "ds") -> dict[str | None, bytes]:
    responses = {user: agency.download(name, resource_id, user) for user in VIEWERS}
    return {user: r.data if r.status_code == 200 else r.status_code for user, r in responses.items()}


def everyone_sees(content: Any) -> dict[str | None, Any]:
    return {user: content for user in VIEWERS}


def test_a_replacement_file_waits_for_approval(agency, storage):
    rid = published_with_file(agency)["resources"][0]["id"]
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    response = agency.upload("resource_patch", "editor", NEW, filename="new.csv", id=rid)
    assert response.status_code == 200, response.body
    assert response.json["result"]["url"].endswith("new.csv")  # the editor sees the staged resource
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    assert agency.public_view()["resources"][0]["url"].endswith("data.csv")
    assert [p.read_bytes() for p in staged_files(storage)] == [NEW]
    # the edit is the submission (a published dataset is not submitted again)
    assert agency.call("govcatalog_workflow_submit", "editor", id="ds").status_code == 409
    assert agency.ok("govcatalog_workflow_queue", "approver")["to_decide"][0]["pending_revision"] is True
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    assert bytes_seen(agency, rid) == everyone_sees(NEW)
    assert agency.public_view()["resources"][0]["url"].endswith("new.csv")
    assert staged_files(storage) == []


def test_a_rejected_file_is_deleted(agency, storage):
    rid = published_with_file(agency)["resources"][0]["id"]
    assert agency.upload("resource_update", "editor", NEW, id=rid, name="ไฟล์", format="CSV").status_code == 200
    assert len(staged_files(storage)) == 1
    agency.ok("govcatalog_workflow_reject", "approver", id="ds", reason="ไฟล์ไม่ถูกต้อง")
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    assert staged_files(storage) == []


def test_a_new_resource_with_a_file_waits_and_is_what_resource_create_returns(agency, storage):
    live = published_with_file(agency)
    response = agency.upload("resource_create", "editor", NEW, filename="extra.csv", package_id="ds", name="เพิ่ม")
    assert response.status_code == 200, response.body
    staged = response.json["result"]
    assert staged["name"] == "เพิ่ม" and staged["id"] not in {r["id"] for r in live["resources"]}
    assert [r["id"] for r in agency.public_view()["resources"]] == [r["id"] for r in live["resources"]]
    assert set(bytes_seen(agency, staged["id"]).values()) == {404}
    assert bytes_seen(agency, live["resources"][0]["id"]) == everyone_sees(OLD)
    assert not list((storage / "resources").rglob(staged["id"][6:]))
    agency.ok("govcatalog_workflow_approve", "admin", id="ds")
    assert [r["id"] for r in agency.public_view()["resources"]][-1] == staged["id"]
    assert bytes_seen(agency, staged["id"]) == everyone_sees(NEW)


def test_edits_of_the_same_editor_add_up(agency, storage):
    published_with_file(agency)
    agency.ok("package_patch", "editor", id="ds", title="ชื่อใหม่")
    assert agency.upload("resource_create", "editor", NEW, package_id="ds", name="เพิ่ม").status_code == 200
    agency.ok("resource_create", "editor", package_id="ds", name="ลิงก์", url="http://127.0.0.1/more.csv")
    agency.ok("package_patch", "editor", id="ds", notes="คำอธิบายใหม่")
    assert agency.public_view()["title"] != "ชื่อใหม่"
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    public = agency.public_view()
    assert (public["title"], public["notes"]) == ("ชื่อใหม่", "คำอธิบายใหม่")
    assert [r["name"] for r in public["resources"]][1:] == ["เพิ่ม", "ลิงก์"]
    assert bytes_seen(agency, public["resources"][1]["id"]) == everyone_sees(NEW)


def test_package_update_with_a_file_waits(agency, storage):
    rid = published_with_file(agency)["resources"][0]["id"]
    dataset = agency.ok("package_show", "editor", id="ds")
    dataset["resources"][0]["upload"] = FileStorage(io.BytesIO(NEW), filename="update.csv")
    helpers.call_action("package_update", context={"user": agency.users["editor"]["name"], "ignore_auth": False},
                        **dataset)
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    assert bytes_seen(agency, rid) == everyone_sees(NEW)


def test_package_revise_with_a_file_waits(agency, storage):
    rid = published_with_file(agency)["resources"][0]["id"]
    response = agency.app.post("/api/3/action/package_revise", data={
        "match__name": "ds", "update__resources__0__upload": (io.BytesIO(NEW), "revised.csv")},
        headers={"Authorization": agency.users["editor"]["token"]})
    assert response.status_code == 200, response.body
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    assert bytes_seen(agency, rid) == everyone_sees(NEW)


def test_an_approval_that_fails_on_a_version_conflict_keeps_the_old_file(agency, storage):
    rid = published_with_file(agency)["resources"][0]["id"]
    agency.upload("resource_patch", "editor", NEW, id=rid)
    package = model.Package.get("ds")
    package.metadata_modified = package.metadata_modified.replace(year=2000)  # changed since the revision
    model.repo.commit()
    response = agency.call("govcatalog_workflow_approve", "approver", id="ds")
    assert response.status_code == 409 and "changed after" in response.body
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    assert len(staged_files(storage)) == 1


def test_an_approval_that_fails_before_the_commit_changes_no_file(agency, storage, monkeypatch):
    rid = published_with_file(agency)["resources"][0]["id"]
    agency.upload("resource_patch", "editor", NEW, filename="new.csv", id=rid)

    def broken_index(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("search index down")

    with monkeypatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(logic, "index_update_package_dicts", broken_index)  # after the file write, before the commit
        helpers.call_action("govcatalog_workflow_approve", context={"user": agency.users["approver"]["name"]},
                            id="ds")
    model.Session.remove()
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    assert agency.public_view()["resources"][0]["url"].endswith("data.csv")
    assert not [p for p in (storage / "resources").rglob("*") if p.name.endswith("~")]
    assert len(staged_files(storage)) == 1  # the revision still waits
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    assert bytes_seen(agency, rid) == everyone_sees(NEW)


def test_the_uploader_refuses_live_writes_of_a_published_dataset(agency, storage):
    rid = published_with_file(agency)["resources"][0]["id"]
    upload = uploader.get_resource_uploader({"upload": FileStorage(io.BytesIO(NEW), filename="x.csv")})
    with pytest.raises(logic.ValidationError):
        upload.upload(rid, uploader.get_max_resource_size())
    assert bytes_seen(agency, rid) == everyone_sees(OLD)


def test_uploads_to_a_draft_are_direct(agency, storage):
    created = agency.create()
    rid = created["resources"][0]["id"]
    assert agency.upload("resource_patch", "editor", NEW, id=rid).status_code == 200
    assert agency.download("ds", rid, "editor").data == NEW
    assert agency.download("ds", rid, None).status_code in (403, 404)
    assert staged_files(storage) == []


@pytest.fixture
def file_storage(storage, monkeypatch, ckan_config, reset_storages) -> Any:
    """CKAN 2.12's file storage (ckan.files) for resources, on a local folder."""
    for option, value in (("type", "ckan:fs"), ("path", str(storage / "files")), ("initialize", "true")):
        monkeypatch.setitem(ckan_config, f"ckan.files.storage.default.{option}", value)
    reset_storages()
    yield storage
    monkeypatch.undo()
    reset_storages()


def test_with_file_storage_a_replacement_file_waits_for_approval_too(agency, file_storage):
    rid = published_with_file(agency)["resources"][0]["id"]
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    assert agency.upload("resource_patch", "editor", NEW, id=rid).status_code == 200
    assert bytes_seen(agency, rid) == everyone_sees(OLD)
    upload = uploader.get_resource_uploader({"upload": FileStorage(io.BytesIO(NEW), filename="x.csv")})
    with pytest.raises(logic.ValidationError):
        upload.upload(rid, uploader.get_max_resource_size())
    agency.ok("govcatalog_workflow_approve", "approver", id="ds")
    assert bytes_seen(agency, rid) == everyone_sees(NEW)
    assert staged_files(file_storage) == []


@pytest.mark.parametrize("owner", ["resource", "package"])
def test_a_stored_file_cannot_be_given_to_a_published_dataset(agency, file_storage, owner):
    """Checked on the auth function itself: the catalog's API gate may refuse file actions
    earlier; this refusal holds whatever the gate lets through."""
    published, draft = published_with_file(agency), agency.create("draft-one")
    stored = helpers.call_action("file_create", context={"user": agency.users["sysadmin"]["name"]},
                                 storage="default", upload=FileStorage(io.BytesIO(NEW), filename="stored.csv"))

    def refusal(dataset: dict[str, Any]) -> str:
        owner_id = dataset["resources"][0]["id"] if owner == "resource" else dataset["id"]
        with pytest.raises(logic.NotAuthorized) as refused:
            helpers.call_auth("file_ownership_transfer", context={"user": agency.users["editor"]["name"]},
                              id=stored["id"], owner_type=owner, owner_id=owner_id, force=False)
        return str(refused.value)

    assert "approver approves" in refusal(published)
    assert "approver approves" not in refusal(draft)  # core's own rule (the editor does not own the file)
