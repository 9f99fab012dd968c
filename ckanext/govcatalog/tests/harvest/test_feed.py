"""The change feed (govcatalog_changes): every change a puller must notice, filtered for the caller."""
from __future__ import annotations

import datetime
from typing import Any, Optional

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import helpers

from ckanext.govcatalog.harvest import feed
from ckanext.govcatalog.tests.harvest.conftest import CONFIDENTIAL, HARVEST_ACCOUNT, INTERNAL, TOP_SECRET
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.ckan_config("ckanext.govcatalog.harvest_accounts", HARVEST_ACCOUNT),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def pull(agency, user: Optional[str], since: int = 0, limit: int = 1000) -> tuple[list[dict[str, Any]], int]:
    """Every page after ``since``: the changes and the last cursor."""
    changes: list[dict[str, Any]] = []
    while True:
        page = agency.ok("govcatalog_changes", user, since=since, limit=limit)
        changes += page["changes"]
        since = page["next_since"]
        if not page["more"]:
            return changes, since


def seen(agency, user: Optional[str], since: int = 0) -> list[tuple[str, str]]:
    ids = {p.id: p.name for p in model.Session.query(model.Package)}
    return [(ids.get(c["id"], c["id"]), c["change"]) for c in pull(agency, user, since)[0]]


def cursor(agency) -> int:
    return pull(agency, "sysadmin")[1]


def test_a_puller_sees_what_it_may_pull_and_loses_what_it_may_no_longer(agency):
    agency.publish("open-one")
    agency.publish("shared-one", **CONFIDENTIAL)
    agency.create("draft-one")
    agency.publish("secret-one", **TOP_SECRET)
    assert seen(agency, None) == [("open-one", "created"), ("shared-one", "created")]
    start = cursor(agency)

    agency.ok("govcatalog_workflow_withdraw", "admin", id="open-one", reason="ข้อมูลไม่ถูกต้อง")
    agency.ok("package_patch", "editor", id="shared-one", **TOP_SECRET)  # applies at once
    agency.ok("package_patch", "editor", id="draft-one", title="ยังไม่เผยแพร่")
    assert seen(agency, None, start) == [("open-one", "withdrawn"), ("shared-one", "withdrawn")]
    # the organization's own people still see theirs, as changes
    assert ("draft-one", "updated") in seen(agency, "editor", start)


def test_tightening_to_confidential_is_an_update_and_the_files_go(agency):
    agency.publish("tightened")
    start = cursor(agency)
    agency.ok("package_patch", "editor", id="tightened", **CONFIDENTIAL)
    assert seen(agency, None, start) == [("tightened", "updated")]
    assert agency.public_view("tightened")["resources"] == []


def test_consent_withheld_applies_at_once_and_is_a_withdrawal(agency):
    agency.publish("consented", **INTERNAL)
    start = cursor(agency)
    modified = agency.public_view("consented")["metadata_modified"]
    agency.ok("package_patch", "editor", id="consented", allow_harvest="False")
    shown = agency.public_view("consented")
    assert shown["allow_harvest"] == "False", "withholding consent does not wait for approval"
    assert shown["metadata_modified"] > modified
    assert seen(agency, None, start) == [("consented", "withdrawn")]
    # giving it back waits for approval, like a looser level
    agency.ok("package_patch", "editor", id="consented", allow_harvest="True")
    assert agency.public_view("consented")["allow_harvest"] == "False"
    agency.ok("govcatalog_workflow_approve", "admin", id="consented")
    assert seen(agency, None, start) == [("consented", "withdrawn"), ("consented", "created")]


def test_deletion_purge_and_organization_change_reach_pullers(agency):
    for name in ("deleted", "purged", "moved"):
        agency.publish(name)
    start = cursor(agency)
    moved = model.Package.get("moved").metadata_modified
    agency.ok("package_delete", "sysadmin", id="deleted")
    purged_id = model.Package.get("purged").id
    agency.ok("dataset_purge", "sysadmin", id="purged")
    agency.ok("package_owner_org_update", "sysadmin", id="moved", organization_id=agency.other_org["id"])
    assert model.Package.get("moved").metadata_modified > moved, "incremental harvesters look again"
    assert seen(agency, None, start) == [("deleted", "deleted"), (purged_id, "deleted"), ("moved", "updated")]
    assert agency.ok("package_search", None, fq="organization:land-office")["count"] == 1, "reindexed"
    # the old organization's editor no longer has it: a withdrawal for them if they pulled as insiders
    assert ("moved", "updated") in seen(agency, "other_admin", start)


def test_harvest_accounts_get_exactly_what_may_be_harvested(agency):
    agency.publish("open-one")
    agency.publish("withheld", **INTERNAL, allow_harvest="False")
    agency.publish("secret-one", **TOP_SECRET)
    agency.create("draft-one")
    assert seen(agency, "harvester") == [("open-one", "created")]
    found = agency.ok("package_search", "harvester", include_private=True, include_drafts=True)
    assert [r["name"] for r in found["results"]] == ["open-one"]
    assert agency.call("package_show", "harvester", id="withheld").status_code == 403
    # the agency's own catalog still lists it, as the policy says; pullers may filter on consent
    assert agency.public_view("withheld") is not None
    everyone = agency.ok("package_search", None, fq="allow_harvest:True")
    assert [r["name"] for r in everyone["results"]] == ["open-one"]
    assert agency.ok("package_search", None, fq="allow_harvest:False")["count"] == 1


def test_pages_follow_the_cursor_and_never_repeat(agency):
    for number in range(5):
        agency.publish(f"paged-{number}")
    changes, last = pull(agency, None, limit=2)
    assert [c["change"] for c in changes] == ["created"] * 5
    cursors = [c["cursor"] for c in changes]
    assert cursors == sorted(set(cursors)) and last == cursors[-1]
    first = agency.ok("govcatalog_changes", None, limit=2)
    assert len(first["changes"]) == 2 and first["more"] and first["next_since"] == first["changes"][-1]["cursor"]
    assert agency.ok("govcatalog_changes", None, since=last)["changes"] == []


@pytest.mark.parametrize("bad", [{"since": -1}, {"since": "x"}, {"limit": 0}, {"limit": 5000}, {"limit": [1]}])
def test_bad_paging_is_a_validation_error(agency, bad):
    response = agency.call("govcatalog_changes", None, **bad)
    assert response.status_code == 409
    assert response.json["error"]["__type"] == "Validation Error"


def test_retention_drops_old_changes_but_keeps_each_datasets_latest(agency):
    agency.publish("kept")
    agency.publish("gone")
    agency.ok("package_delete", "sysadmin", id="gone")
    first_pull = cursor(agency)
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=91)
    model.Session.execute(sa.text("UPDATE govcatalog_change SET at = :at"), {"at": long_ago})
    model.Session.commit()
    dropped = feed.cleanup()
    model.Session.commit()
    kept = model.Session.query(feed.Change).all()
    assert dropped > 0 and [c.package_id for c in kept] == [model.Package.get("kept").id]
    assert agency.ok("govcatalog_changes", None, since=1)["resync"] is True
    assert agency.ok("govcatalog_changes", None, since=first_pull)["resync"] is False
    assert helpers.call_action("govcatalog_changes", since=0)["retention_days"] == 90


def test_cleanup_command(agency, cli):
    from ckanext.govcatalog.cli import govcatalog

    agency.publish("kept")
    agency.ok("package_patch", "editor", id="kept", **CONFIDENTIAL)
    result = cli.invoke(govcatalog, ["changes-cleanup", "--days", "1"])
    assert result.exit_code == 0 and "0 old changes dropped" in result.output
    model.Session.execute(sa.text("UPDATE govcatalog_change SET at = now() - interval '2 days'"))
    model.Session.commit()
    result = cli.invoke(govcatalog, ["changes-cleanup", "--days", "1"])
    assert result.exit_code == 0 and "old changes dropped" in result.output and "0 old" not in result.output
