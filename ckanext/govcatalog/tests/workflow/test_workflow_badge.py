"""The approvals badge in the header: one COUNT, the same number as the queue."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ckan import model

from ckanext.govcatalog import access
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS
from ckanext.govcatalog.workflow.helpers import waiting_count

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def _statements(run) -> tuple[int, list[str]]:
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    engine = model.Session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        result = run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return result, seen


def test_the_badge_counts_what_the_queue_lists_in_one_query(agency):
    agency.create("draft-only")
    for name in ("waiting-1", "waiting-2"):
        agency.create(name)
        agency.ok("govcatalog_workflow_submit", "editor", id=name)
    agency.publish("with-revision")
    agency.ok("package_patch", "editor", id="with-revision", notes="แก้ไขรายละเอียด")
    for person, expected in (("admin", 3), ("approver", 3), ("sysadmin", 3), ("editor", 0), ("other_admin", 0)):
        facts = access.user_facts(model.User.get(agency.users[person]["name"]))
        count, statements = _statements(lambda: waiting_count(facts))
        assert count == expected, person
        assert len(statements) <= 1, statements
        queued = agency.ok("govcatalog_workflow_queue", person)["to_decide"]
        assert len(queued) == count, person


def test_the_count_uses_the_partial_index(agency):
    model.Session.execute(sa.text("SET enable_seqscan = off"))
    plan = " ".join(row[0] for row in model.Session.execute(sa.text(
        "EXPLAIN SELECT count(package_id) FROM govcatalog_workflow "
        "WHERE state = 'pending' OR pending_revision IS NOT NULL")))
    model.Session.execute(sa.text("RESET enable_seqscan"))
    assert "govcatalog_workflow_waiting_idx" in plan
