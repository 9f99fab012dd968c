"""Write paths and the filters behind them, one behaviour at a time.

- An editor of the organization who may not see a top-secret dataset cannot change it either
  (a write answers with the dataset, so it would be a way to read it).
- Past activities follow today's level; tags, resources, members and the dataset list follow
  the policy whatever CKAN's private flag says.
"""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests import helpers

from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]
TOP_SECRET = {"data_category": "ข้อมูลความมั่นคง", "data_classification": "ลับที่สุด"}
CONFIDENTIAL = {"data_category": "ข้อมูลส่วนบุคคล", "data_classification": "ลับ"}


@pytest.fixture
def top_secret(agency):
    created = agency.create("secret-plan", user="editor2", tag_string="mksecrettagq",
                            resources=[{"name": "mksecretresq", "url": "http://127.0.0.1/mksecreturlq.csv"}],
                            **TOP_SECRET)
    return created


WRITES = [
    ("package_patch", lambda d: {"id": d["id"]}),
    ("package_update", lambda d: dict(d)),
    ("package_revise", lambda d: {"match": {"id": d["id"]}, "update": {"notes": "x"}}),
    ("package_delete", lambda d: {"id": d["id"]}),
    ("package_resource_reorder", lambda d: {"id": d["id"], "order": [d["resources"][0]["id"]]}),
    ("resource_create", lambda d: {"package_id": d["id"], "name": "x", "url": "http://127.0.0.1/x"}),
    ("resource_patch", lambda d: {"id": d["resources"][0]["id"], "name": "x"}),
    ("resource_delete", lambda d: {"id": d["resources"][0]["id"]}),
    ("follow_dataset", lambda d: {"id": d["id"]}),
    ("govcatalog_workflow_submit", lambda d: {"id": d["id"]}),
]


@pytest.mark.parametrize("action,args", WRITES, ids=[w[0] for w in WRITES])
def test_an_editor_who_may_not_see_a_top_secret_dataset_may_not_change_it(agency, top_secret, action, args):
    response = agency.call(action, "editor", **args(top_secret))
    assert response.status_code == 403, response.body
    for marker in ("mksecrettagq", "mksecretresq", "mksecreturlq", "secret-plan"):
        assert marker not in response.body
    assert helpers.call_action("package_show", id=top_secret["id"])["state"] == "active"


def test_the_creator_still_edits_their_top_secret_dataset(agency, top_secret):
    agency.ok("package_patch", "editor2", id=top_secret["id"], notes="แก้ไขแล้ว")


@pytest.mark.ckan_config("ckan.auth.public_activity_stream_detail", "true")
def test_a_tightened_level_hides_files_in_past_activities(agency):
    """With activity details public (an agency's choice), past versions still follow today's level."""
    published = agency.publish("open-data", resources=[{"name": "mkoldresq", "url": "http://127.0.0.1/mkoldurlq.csv"}])
    activities = agency.ok("package_activity_list", None, id=published["id"])
    assert "mkoldurlq" in str(activities)
    assert "mkoldurlq" in str(agency.ok("activity_show", None, id=activities[-1]["id"], include_data=True))
    agency.ok("package_patch", "editor", id=published["id"], **CONFIDENTIAL)  # a tightening applies at once
    assert "mkoldurlq" not in agency.call("package_activity_list", None, id=published["id"]).body
    for activity in agency.ok("package_activity_list", None, id=published["id"]):
        for action, extra in (("activity_show", {"include_data": True}), ("activity_data_show", {})):
            body = agency.call(action, None, id=activity["id"], **extra).body
            assert "mkoldurlq" not in body and "mkoldresq" not in body
        diff = agency.call("activity_diff", None, id=activity["id"], object_type="package")
        assert "mkoldurlq" not in diff.body
    member_view = agency.ok("activity_show", "member", id=activities[-1]["id"], include_data=True)
    assert "mkoldurlq" in str(member_view), "the organization still sees its own files"


def test_tags_resources_and_lists_follow_the_policy_not_the_private_flag(agency):
    agency.publish("secret-tagged", tag_string="mkhiddentagq",
                   resources=[{"name": "mkhiddenresq", "url": "http://127.0.0.1/mkhiddenurlq.csv"}], **TOP_SECRET)
    agency.publish("internal-data", tag_string="mkinternaltagq",
                   resources=[{"name": "mkinternalresq", "url": "http://127.0.0.1/mkinternalurlq.csv"}],
                   data_category="ข้อมูลใช้ภายใน", data_classification="ชั้นเผยแพร่ภายในองค์กร")
    secret = model.Package.by_name("secret-tagged")
    assert secret.private, "top secret stays private in CKAN's own flag"
    secret.private = False  # as CKAN's bulk switch or an old row would leave it
    model.repo.commit()
    assert "secret-tagged" not in agency.ok("package_list", None)
    assert "internal-data" in agency.ok("package_list", None)
    assert "mkhiddentagq" not in agency.ok("tag_list", None)
    assert "mkinternaltagq" in agency.ok("tag_list", None)
    assert agency.call("tag_show", None, id="mkhiddentagq").status_code == 404
    assert "mkhiddentagq" in agency.ok("tag_list", "admin")
    assert agency.ok("resource_search", None, query="name:mkinternalres")["count"] == 0
    assert agency.ok("resource_search", "member", query="name:mkinternalres")["count"] == 1
    members = agency.ok("member_list", None, id=agency.org["id"], object_type="package")
    assert secret.id not in {m[0] for m in members}


def test_bulk_publication_goes_through_approval(agency):
    created = agency.create("bulk-draft")
    response = agency.call("bulk_update_public", "admin", datasets=[created["id"]], org_id=agency.org["id"])
    assert response.status_code == 403
    assert agency.public_view("bulk-draft") is None


def test_search_blobs_without_an_id_are_sanitised(agency):
    agency.publish("internal-blob", resources=[{"name": "mkblobresq", "url": "http://127.0.0.1/mkbloburlq.csv"}],
                   data_category="ข้อมูลใช้ภายใน", data_classification="ชั้นเผยแพร่ภายในองค์กร")
    for fl in ("data_dict", "validated_data_dict", "data_dict,validated_data_dict", "res_url,res_name"):
        body = agency.app.get("/api/3/action/package_search", query_string={"fl": fl}).body
        assert "mkbloburlq" not in body and "mkblobresq" not in body, fl


@pytest.mark.parametrize("action,body", [
    ("package_show", {"id": "abc\x00def"}),
    ("package_show", {"id": ["a", "b"]}),
    ("resource_show", {"id": {"x": 1}}),
    ("tag_show", {"id": 5}),
    ("member_list", {"id": "org\x00", "object_type": "package"}),
    ("resource_search", {"query": "name:\x00"}),
    ("govcatalog_workflow_history", {"id": "x\x00"}),
    ("package_patch", {"id": "x\x00", "notes": "y"}),
])
def test_malformed_ids_and_nul_are_refused_before_core(agency, action, body):
    for user in (None, "sysadmin"):
        response = agency.call(action, user, **body)
        assert response.status_code == 409, response.body
        assert response.json["error"]["__type"] == "Validation Error"


def test_activity_show_without_include_data_is_not_a_crash(agency):
    published = agency.publish("shown")
    activity = agency.ok("package_activity_list", None, id=published["id"])[0]
    assert agency.ok("activity_show", None, id=activity["id"])["id"] == activity["id"]


def _modified(agency, name: str) -> str:
    return helpers.call_action("package_show", id=name)["metadata_modified"]


def _changed_since(agency, since: str) -> set[str]:
    """What an incremental harvester asks for (ckanext-harvest's CKAN harvester)."""
    result = agency.ok("package_search", "sysadmin", fq=f"metadata_modified:[{since}Z TO *]",
                       include_private=True, rows=100)
    return {r["name"] for r in result["results"]}


def test_publication_and_withdrawal_are_changes_pullers_see(agency):
    agency.create("pulled")
    agency.ok("govcatalog_workflow_submit", "editor", id="pulled")
    before_approval = _modified(agency, "pulled")
    agency.ok("govcatalog_workflow_approve", "admin", id="pulled")
    published = _modified(agency, "pulled")
    assert published > before_approval
    assert "pulled" in _changed_since(agency, published)
    agency.ok("govcatalog_workflow_withdraw", "admin", id="pulled", reason="ข้อมูลไม่ถูกต้อง")
    assert _modified(agency, "pulled") > published
    assert "pulled" in _changed_since(agency, _modified(agency, "pulled"))


def test_deletion_is_a_change(agency):
    created = agency.create("deleted-one")
    before = created["metadata_modified"]
    agency.ok("package_delete", "editor", id="deleted-one")
    deleted = model.Package.get(created["id"])
    assert deleted.state == "deleted" and deleted.metadata_modified.isoformat() > before


def test_package_list_pages_like_ckan(agency):
    for name in ("list-a", "list-b", "list-c"):
        agency.publish(name)
    assert agency.ok("package_list", None) == ["list-a", "list-b", "list-c"]
    assert agency.ok("package_list", None, limit=0) == ["list-a", "list-b", "list-c"]
    assert agency.ok("package_list", None, limit=1, offset=1) == ["list-b"]
    assert agency.call("package_list", None, limit=-1).status_code == 409


@pytest.mark.ckan_config("ckanext.govcatalog.catalog_kind", "area_based")
def test_status_show_tells_harvesters_the_catalog_kind_and_version(agency):
    status = agency.ok("status_show", None)
    assert status["govcatalog_catalog_kind"] == "area_based"
    assert status["govcatalog_version"] == "0.1.0"
    assert status["ckan_version"].startswith("2.12")
