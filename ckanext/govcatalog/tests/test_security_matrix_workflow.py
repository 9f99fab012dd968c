"""The security matrix with the publish-approval workflow on: users x levels x workflow states x surfaces."""
from __future__ import annotations

import pytest

from ckan.tests import helpers

from ckanext.govcatalog.tests.schema.payloads import dataset_payload
from ckanext.govcatalog.tests.test_security_matrix import LEVELS, SURFACES, USERS, Dataset, expected, make_people
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

WORKFLOW_STATES = {  # state -> the actions that lead there from draft (editor submits, admin decides)
    "draft": (),
    "pending": ("submit",),
    "published": ("submit", "approve"),
    "rejected": ("submit", "reject"),
    "withdrawn": ("submit", "approve", "withdraw"),
}

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS + " dcat structured_data"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture
def world():
    org, people, creator = make_people()
    datasets = {}
    for level_index, (level, category) in enumerate(LEVELS.items()):
        for state, steps in WORKFLOW_STATES.items():
            name = f"wf-{level_index}-{state}"
            url = f"http://127.0.0.1/files/{name}.csv"
            created = helpers.call_action("package_create", context={"user": creator["name"]}, **dataset_payload(
                org["id"], name, data_category=category, data_classification=level,
                resources=[{"name": "ไฟล์", "url": url, "format": "CSV"}]))
            for step in steps:
                actor = creator["name"] if step == "submit" else people["org_admin"]["name"]
                helpers.call_action(f"govcatalog_workflow_{step}", context={"user": actor, "ignore_auth": False},
                                    id=name, reason="เหตุผล")
            datasets[(level, state)] = Dataset(name, created["id"], created["resources"][0]["id"], url)
    return {"people": people, "datasets": datasets}


@pytest.mark.parametrize("user", USERS)
def test_every_cell_agrees_with_the_policy(app, world, user):
    leaks = []
    for (level, state), dataset in world["datasets"].items():
        sees, downloads = expected(dataset, user, world)
        if state != "published" and user in ("anonymous", "outsider", "other_org_admin"):
            assert not sees, "the oracle itself must hide unpublished datasets from outsiders"
        for surface, check in SURFACES.items():
            problem = check(app, world, user, dataset, sees, downloads)
            if problem:
                leaks.append(f"{user} | {level} | {state} | {surface}: {problem}")
    assert leaks == []
