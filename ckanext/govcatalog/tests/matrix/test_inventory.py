"""The surface inventory comes from the running application, and the gate holds what is not reviewed.

With the deployed plugin set, every registered action and every blueprint endpoint must be in the
reviewed table (surfaces.py); a CKAN upgrade or a new plugin that adds one fails here. What is not
in the table, or is sysadmin-only, is refused to everyone else before it runs.
"""
from __future__ import annotations

import pytest

import ckan.logic as logic
from ckan.tests import factories

from ckanext.govcatalog import surfaces
from ckanext.govcatalog.tests.matrix.probes import deployed_plugins

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", deployed_plugins()),
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


def _registered_actions() -> set[str]:
    logic.get_action("status_show")  # the registry is built on first use
    return set(logic._actions)  # noqa: SLF001 (the running app's own registry)


def test_every_enabled_action_is_reviewed():
    assert sorted(_registered_actions() - set(surfaces.ACTIONS)) == []


def test_every_route_is_reviewed(app):
    endpoints = {rule.endpoint for rule in app.flask_app.url_map.iter_rules()}
    assert sorted(endpoints - set(surfaces.ROUTES)) == []


def test_the_inventory_is_not_trivial(app):
    """The deployed set brings core, activity, dcat, harvest, scheming and our own surfaces."""
    actions = _registered_actions()
    for name in ("package_show", "package_activity_list", "dcat_catalog_show", "harvest_source_list",
                 "scheming_dataset_schema_show", "govcatalog_workflow_approve", "file_create"):
        assert name in actions
    assert len(actions) > 200
    assert {"dataset.read", "activity.package_history", "dcat.read_catalog", "harvester.job_show",
            "govcatalog_workflow.queue"} <= {r.endpoint for r in app.flask_app.url_map.iter_rules()}


def test_a_bad_row_is_refused():
    with pytest.raises(ValueError):
        surfaces._table("package_show  open  auth  dataset")  # noqa: SLF001


def test_an_unreviewed_action_is_sysadmin_only(app, monkeypatch):
    monkeypatch.delitem(surfaces.ACTIONS, "license_list")
    user, sysadmin = factories.UserWithToken(), factories.SysadminWithToken()
    assert app.post("/api/3/action/license_list").status_code == 403
    response = app.post("/api/3/action/license_list", headers={"Authorization": user["token"]})
    assert response.status_code == 403
    assert "license_list" in response.json["error"]["message"]
    assert app.post("/api/3/action/license_list", headers={"Authorization": sysadmin["token"]}).status_code == 200


def test_an_unknown_action_is_still_ckans_400(app):
    assert app.post("/api/3/action/no_such_action").status_code == 400


def test_an_unreviewed_route_is_sysadmin_only(app, monkeypatch):
    monkeypatch.delitem(surfaces.ROUTES, "home.about")
    sysadmin = factories.SysadminWithToken()
    assert app.get("/about").status_code == 403
    assert app.get("/about", headers={"Authorization": sysadmin["token"]}).status_code == 200


@pytest.mark.parametrize("action", ["job_list", "config_option_list", "harvest_source_list", "file_create",
                                    "activity_delete_all", "task_status_show"])
def test_sysadmin_only_actions_are_refused_to_an_organization_admin(app, action):
    admin = factories.UserWithToken()
    factories.Organization(users=[{"name": admin["name"], "capacity": "admin"}])
    response = app.post(f"/api/3/action/{action}", json={}, headers={"Authorization": admin["token"]})
    assert response.status_code == 403, response.body


def test_sysadmin_only_routes_are_refused_to_an_organization_admin(app):
    admin = factories.UserWithToken()
    factories.Organization(users=[{"name": admin["name"], "capacity": "admin"}])
    for url in ("/ckan-admin/", "/harvest/", "/testing/primer", "/ckan-admin/trash"):
        assert app.get(url, headers={"Authorization": admin["token"]}).status_code == 403, url
