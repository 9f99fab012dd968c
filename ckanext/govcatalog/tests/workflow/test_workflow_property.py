"""Property: whatever anyone does, without an approver's approval nothing becomes public and the
public version does not change (except to hide it, or to tighten its classification)."""
from __future__ import annotations

import itertools
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckanext.govcatalog import policy

from .conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

ACTORS = ("editor", "editor2", "admin", "member", "approver", "outsider", "other_admin", "sysadmin")
OPERATIONS = (
    "retitle", "make_public", "loosen", "tighten", "add_resource", "submit", "approve", "reject",
    "request_withdrawal", "withdraw",
)
names = itertools.count()


def public_version(view: Optional[dict[str, Any]]) -> Optional[tuple]:
    if view is None:
        return None
    return (view["title"], view.get("notes"), view["data_classification"],
            tuple(sorted(r["url"] for r in view.get("resources", []))))


def perform(agency, actor: str, operation: str, name: str, step: int):
    patches: dict[str, dict[str, Any]] = {
        "retitle": {"title": f"ชื่อที่ {step}"},
        "make_public": {"private": False},
        "loosen": {"data_category": "ข้อมูลสาธารณะ", "data_classification": "เปิดเผย"},
        "tighten": {"data_category": "ข้อมูลส่วนบุคคล", "data_classification": "ลับมาก"},
    }
    if operation in patches:
        return agency.call("package_patch", actor, id=name, **patches[operation])
    if operation == "add_resource":
        return agency.call("resource_create", actor, package_id=name, name=f"r{step}",
                           url=f"http://127.0.0.1/{name}-{step}.csv")
    return agency.call(f"govcatalog_workflow_{operation}", actor, id=name, reason="เหตุผล")


def stricter_only(before: tuple, after: tuple) -> bool:
    """Only the classification changed, to a stricter level."""
    return (before[0], before[1], before[3]) == (after[0], after[1], after[3]) and \
        policy.LEVELS.index(after[2]) > policy.LEVELS.index(before[2])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(OPERATIONS)), min_size=1, max_size=8))
def test_no_disclosure_without_approval(agency, steps):
    name = f"prop-{next(names)}"
    agency.create(name)
    seen = public_version(agency.public_view(name))
    assert seen is None
    for step, (actor, operation) in enumerate(steps):
        response = perform(agency, actor, operation, name, step)
        assert response.status_code in (200, 403, 404, 409), response.body
        now = public_version(agency.public_view(name))
        if now != seen:
            approved = operation == "approve" and response.status_code == 200
            hidden = now is None
            tightened = seen is not None and now is not None and stricter_only(seen, now)
            assert approved or hidden or tightened, (steps[: step + 1], seen, now)
            if approved:
                assert actor in ("admin", "approver", "sysadmin")
        seen = now
