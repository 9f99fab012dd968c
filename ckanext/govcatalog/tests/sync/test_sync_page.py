"""The sync page and actions (catalog managers only), GD Catalog's registration state (cached,
refreshed by a job, UNKNOWN when unreachable) and deletion of a registered dataset."""
from __future__ import annotations

import pytest

import ckan.model as model

from ckanext.govcatalog.sync import registration
from ckanext.govcatalog.sync.model import RegistrationState, SyncRecord
from ckanext.govcatalog.tests.sync.conftest import SYNC_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", SYNC_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

SYNC_ACTIONS = ["govcatalog_sync_status", "govcatalog_sync_push", "govcatalog_sync_withdraw",
                "govcatalog_sync_retry", "govcatalog_sync_reconcile", "govcatalog_gdcatalog_refresh"]


def test_only_catalog_managers_use_the_sync(sync_world):
    agency = sync_world.agency
    for action in SYNC_ACTIONS:
        for user in (None, "editor", "admin", "approver", "member", "outsider"):
            response = agency.call(action, user, ids=["x"])
            assert response.status_code == 403, (action, user, response.body)
    for user in (None, "editor", "admin"):
        headers = {"Authorization": agency.users[user]["token"]} if user else {}
        assert agency.app.get("/ckan-admin/sync", headers=headers).status_code == 403, user


def test_bad_selections_are_clear_errors(sync_world):
    for data in ({"ids": []}, {"ids": ""}, {"ids": [1]}, {"ids": ["a\x00"]}, {"ids": ["nope"]},
                 {"ids": ["x"], "target": "mars"}, {"ids": [str(i) for i in range(1001)]}):
        response = sync_world.agency.call("govcatalog_sync_push", "sysadmin", **data)
        assert response.status_code == 409, (data, response.body)
        assert response.json["success"] is False
    for data in ({"state": "lost"}, {"limit": "many"}, {"registration": "X"}, {"limit": -1}):
        response = sync_world.agency.call("govcatalog_sync_status", "sysadmin", **data)
        assert response.status_code == 409, (data, response.body)


def test_the_sync_page_lists_states_in_thai_and_acts_in_bulk(sync_world):
    world = sync_world
    ok_ds, failing = world.agency.publish("page-ok"), world.agency.publish("page-failing")
    world.proxy.plan("package_create", *[""] * 2)
    world.drain()
    # make one fail on data.go.th
    world.agency.ok("govcatalog_sync_withdraw", "sysadmin", ids=[failing["id"]], target="datagoth")
    world.drain()
    world.proxy.always["*"] = "500"
    world.agency.ok("govcatalog_sync_push", "sysadmin", ids=[failing["id"]], target="datagoth")
    world.drain()
    world.proxy.always.clear()

    sysadmin = {"Authorization": world.agency.users["sysadmin"]["token"]}
    page = world.agency.app.get("/th/ckan-admin/sync", headers=sysadmin)
    assert page.status_code == 200
    html = page.body
    assert "ส่งแล้ว" in html and "ล้มเหลว" in html and "HTTP 500" in html
    assert world.national.sync_token not in html
    only_failed = world.agency.app.get("/ckan-admin/sync", query_string={"state": "failed"}, headers=sysadmin).body
    assert "page-failing" in only_failed and "page-ok" not in only_failed

    status = world.agency.ok("govcatalog_sync_status", "sysadmin", target="datagoth")
    assert {t["name"]: t["counts"]["synced"] for t in status["targets"]} == {"datagoth": 1, "gdc": 2}
    assert all(t["token_configured"] for t in status["targets"])

    # bulk retry from the page
    form = {"operation": "retry", "dataset": [failing["id"]], "target": "datagoth",
            "_csrf_token": ""}
    response = world.agency.app.post("/ckan-admin/sync", data=form, headers=sysadmin, follow_redirects=False)
    assert response.status_code in (302, 303), response.body
    world.drain()
    model.Session.expire_all()
    assert SyncRecord.get(failing["id"], "datagoth").state == "synced"
    assert world.national.public(world.remote_name("datagoth", ok_ds["id"])) is not None


def test_a_held_dataset_stays_withdrawn_until_pushed_by_hand(sync_world):
    world = sync_world
    ds = world.agency.publish("held")
    world.drain()
    world.agency.ok("govcatalog_sync_withdraw", "sysadmin", ids=["held"])
    world.drain()
    assert world.national.public(world.remote_name("gdc", ds["id"])) is None
    world.agency.ok("package_patch", "editor", id="held", title="ใหม่")
    world.agency.ok("govcatalog_workflow_approve", "admin", id="held")
    world.drain()
    assert world.national.public(world.remote_name("gdc", ds["id"])) is None
    world.agency.ok("govcatalog_sync_push", "sysadmin", ids=["held"], target="gdc")
    world.drain()
    assert world.national.public(world.remote_name("gdc", ds["id"]))["title"] == "ใหม่"
    assert world.national.public(world.remote_name("datagoth", ds["id"])) is None


def test_registration_states_come_from_the_cache_and_degrade_to_unknown(sync_world):
    world = sync_world
    ds, private = world.agency.publish("registered"), world.agency.create("not-public")
    world.drain()
    world.national.call("gdcatalog_test_set_state", world.national.admin_token, package=private["id"],
                        governance_state="REJECT", metadata_modified="2000-01-01T00:00:00")
    calls_before = world.proxy.seen["gdcatalog_published_state"]
    page = world.agency.app.get("/th/dataset/registered")
    assert world.proxy.seen["gdcatalog_published_state"] == calls_before  # never asked while rendering
    assert "ยังไม่ได้ลงทะเบียน" in page.body

    assert registration.refresh([ds["id"], private["id"]]) == {"REGISTERED": 1, "REJECT": 1}
    state = RegistrationState.get(ds["id"])
    assert state.remote_name.endswith(ds["id"])
    page = world.agency.app.get("/th/dataset/registered").body
    assert "ลงทะเบียนแล้ว" in page and f"https://gdcatalog.example.go.th/dataset/gdpublish-{state.remote_name}" in page
    # a non-public dataset's state is for those who may edit it; it was edited after GD Catalog's copy
    editor = {"Authorization": world.agency.users["editor"]["token"]}
    body = world.agency.app.get("/th/dataset/not-public", headers=editor).body
    assert "ไม่ผ่านเกณฑ์ (ปรับปรุงแล้ว)" in body
    member = {"Authorization": world.agency.users["member"]["token"]}
    assert "ไม่ผ่านเกณฑ์" not in world.agency.app.get("/th/dataset/not-public", headers=member).body

    # GD Catalog down: unknown, the last good answer kept (and still protecting the dataset)
    world.proxy.always["*"] = "drop"
    registration.refresh([ds["id"]])
    model.Session.expire_all()
    state = RegistrationState.get(ds["id"])
    assert (state.state, state.last_known, state.registered) == ("UNKNOWN", "REGISTERED", True)
    assert "ไม่ทราบสถานะ" in world.agency.app.get("/th/dataset/registered").body
    world.proxy.always.clear()
    filtered = world.agency.ok("govcatalog_sync_status", "sysadmin", registration="UNKNOWN")
    assert {r["package_id"] for r in filtered["records"]} == {ds["id"]}


def test_deleting_a_registered_dataset_becomes_a_withdrawal_request(sync_world):
    world = sync_world
    ds = world.agency.publish("keep-me")
    world.drain()
    registration.refresh([ds["id"]])
    result = world.agency.ok("package_delete", "admin", id="keep-me")
    assert result["withdrawal_requested"] is True
    model.Session.expire_all()
    assert model.Package.get(ds["id"]).state == "active"
    assert world.agency.ok("package_show", "admin", id="keep-me")["workflow_state"] == "withdrawal_requested"
    world.agency.ok("govcatalog_workflow_withdraw", "admin", id="keep-me", reason="asked")
    world.drain()
    assert world.national.public(world.remote_name("gdc", ds["id"])) is None
    # GD Catalog still lists it until it revokes: deleting now is refused with a clear message
    response = world.agency.call("package_delete", "admin", id="keep-me")
    assert response.status_code == 409 and "GD Catalog" in response.json["error"]["id"][0]
    # the same through the web form: the message on a 400 page, never a 500, and the dataset stays
    admin = {"Authorization": world.agency.users["admin"]["token"]}
    page = world.agency.app.post("/dataset/delete/keep-me", headers=admin)
    assert page.status_code == 400 and "GD Catalog" in page.body
    model.Session.expire_all()
    assert model.Package.get(ds["id"]).state == "active"


def test_the_delete_form_on_a_registered_dataset_says_only_what_happened(sync_world):
    world = sync_world
    ds = world.agency.publish("form-delete")
    plain = world.agency.publish("form-delete-plain")
    world.drain()
    registration.refresh([ds["id"], plain["id"]])
    model.Session.expire_all()
    RegistrationState.get(plain["id"]).state = "NOT_REGISTERED"
    model.repo.commit()
    admin = {"Authorization": world.agency.users["admin"]["token"]}

    response = world.agency.app.post("/dataset/delete/form-delete", headers=admin, follow_redirects=False)
    assert response.status_code == 302 and response.location.endswith("/dataset/form-delete"), response.location
    page = world.agency.app.get(response.location, headers=admin).body
    assert "its withdrawal was requested" in page and "Dataset has been deleted" not in page
    model.Session.expire_all()
    assert model.Package.get(ds["id"]).state == "active"
    assert world.agency.ok("package_show", "admin", id="form-delete")["workflow_state"] == "withdrawal_requested"
    # asked again: still not deleted, and the page says the request is already there
    again = world.agency.app.post("/dataset/delete/form-delete", headers=admin, follow_redirects=False)
    assert again.status_code == 302 and again.location.endswith("/dataset/form-delete")
    page = world.agency.app.get(again.location, headers=admin).body
    assert "already been requested" in page and "Dataset has been deleted" not in page

    # a dataset GD Catalog does not hold is deleted as CKAN deletes it, with CKAN's words
    gone = world.agency.app.post("/dataset/delete/form-delete-plain", headers=admin, follow_redirects=False)
    assert gone.status_code == 302 and gone.location.endswith("/dataset/"), gone.location
    assert "Dataset has been deleted" in world.agency.app.get(gone.location, headers=admin).body
    model.Session.expire_all()
    assert model.Package.get(plain["id"]).state == "deleted"
    # the confirmation page and cancel stay core's; strangers are refused
    assert world.agency.app.get("/dataset/delete/form-delete", headers=admin).status_code == 200
    cancel = world.agency.app.post("/dataset/delete/form-delete", data={"cancel": "1"}, headers=admin,
                                   follow_redirects=False)
    assert cancel.status_code == 302 and cancel.location.endswith("/dataset/edit/form-delete")
    outsider = {"Authorization": world.agency.users["outsider"]["token"]}
    assert world.agency.app.post("/dataset/delete/form-delete", headers=outsider).status_code in (403, 404)
