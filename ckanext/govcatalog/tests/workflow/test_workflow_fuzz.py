"""Hostile input to the workflow and approver actions: never a 5xx, and a refused call changes nothing.

Arbitrary bodies (hostile unicode: NUL, lone surrogates, zero-width and Thai combining marks, emoji,
huge words; wrong types, nested junk, extreme numbers) go to every govcatalog_workflow_* and
govcatalog_approver_* action as each kind of person. Deterministic in `make test` (see
schema/fuzzing.py); `make fuzz` runs it with fresh random examples.
"""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ckan import model

from ckanext.govcatalog.tests.schema.fuzzing import examples
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS, Agency
from ckanext.govcatalog.workflow.logic import action as workflow_actions

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

ACTIONS = sorted(name for name in dir(workflow_actions) if name.startswith("govcatalog_"))
PERSONAS = ("editor", "admin", "approver", "member", "outsider", "sysadmin", None)
KEYS = ("id", "reason", "username", "user", "override", "organization", "q", "state", "limit", "offset",
        "include_history", "type", "x")

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "\x00", "ds\x00", "\ud800", "ds\udfff", "\u200b\u200c\u200d\ufeff", "ก\u0e31\u0e34\u0e47\u0e48\u0e49",
        "😀" * 50, "ก" * 3000, "x" * 100_000, "' OR 1=1 --", "../../etc/passwd", "%00", "ds", "stats-office",
    ]),
)
junk = st.recursive(
    st.one_of(hostile_text, st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True),
              st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)
bodies = st.dictionaries(st.sampled_from(KEYS), junk, max_size=4)

TABLES = ("govcatalog_workflow", "govcatalog_workflow_event", "govcatalog_approver")


def snapshot() -> dict[str, Any]:
    """Everything the workflow writes, and every dataset's state and visibility."""
    model.Session.remove()
    tables = {t: sorted(map(tuple, model.Session.execute(sa.text(f"SELECT * FROM {t}")).fetchall()))
              for t in TABLES}
    tables["package"] = sorted(model.Session.execute(sa.text(
        "SELECT id, state, private, metadata_modified FROM package")).fetchall())
    return {name: [tuple(map(str, row)) for row in rows] for name, rows in tables.items()}


@pytest.fixture
def seeded(app):
    agency = Agency(app)
    agency.publish("ds")
    agency.create("draft")
    agency.create("pend")
    agency.ok("govcatalog_workflow_submit", "editor", id="pend")
    return agency


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=st.sampled_from(ACTIONS), persona=st.sampled_from(PERSONAS), body=bodies)
@example(action="govcatalog_workflow_submit", persona="editor", body={"id": "draft\x00"})
@example(action="govcatalog_workflow_approve", persona="admin", body={"id": ["pend"]})
@example(action="govcatalog_workflow_reject", persona="admin", body={"id": "pend", "reason": "\ud800"})
@example(action="govcatalog_approver_create", persona="admin", body={"id": {"x": 1}, "username": "\x00"})
@example(action="govcatalog_workflow_queue", persona="approver", body={"limit": 2**70, "offset": float("nan")})
@example(action="govcatalog_workflow_history", persona="sysadmin", body={"id": "x" * 100_000})
def test_hostile_bodies_never_500_and_a_refusal_changes_nothing(seeded, action, persona, body):
    before = snapshot()
    headers = {"Authorization": seeded.users[persona]["token"]} if persona else {}
    response = seeded.app.post(f"/api/3/action/{action}", json=body, headers=headers)
    assert response.status_code in (200, 400, 403, 404, 409), (response.status_code, response.body[:500])
    if response.status_code != 200:
        assert response.json["success"] is False
        assert snapshot() == before
