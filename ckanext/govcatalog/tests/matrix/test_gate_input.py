"""Input no action can take is refused by the gate before core sees it: a clear 4xx, never a 500.

Found by sending hostile paging numbers and non-text values to every reviewed action: core's
activity, list, tag and autocomplete actions answered inf, NaN, 2**70 or an object with a 500, and
ckanext-harvest exports mail helpers that the API can only crash on.
"""
from __future__ import annotations

import pytest

from ckan import logic
from ckan.tests import factories

from ckanext.govcatalog import gate, surfaces
from ckanext.govcatalog.tests.matrix import probes

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", probes.deployed_plugins()),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture
def user():
    return factories.UserWithToken()


def call(app, user, action, **body):
    return app.post(f"/api/3/action/{action}", json=body, headers={"Authorization": user["token"]})


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 2**70, -(2**40), {}, [1], "1e9", "ten", True])
@pytest.mark.parametrize(("action", "key"), [("package_list", "limit"), ("tag_search", "offset"),
                                             ("user_activity_list", "limit"), ("dcat_catalog_search", "page"),
                                             ("package_search", "rows")])
def test_paging_numbers_must_be_whole_and_bounded(app, user, action, key, value):
    response = call(app, user, action, id=user["id"], **{key: value})
    assert response.status_code == 409, response.body
    assert key in response.json["error"]


@pytest.mark.parametrize("value", ["10", 10, "", " 3 "])
def test_good_numbers_pass(app, user, value):
    assert call(app, user, "package_list", limit=value).status_code == 200


@pytest.mark.parametrize(("action", "key"), [("group_list", "q"), ("user_list", "q"), ("organization_list", "sort"),
                                             ("package_patch", "state")])
def test_text_parameters_must_be_text(app, user, action, key):
    response = call(app, user, action, id="x", **{key: {"a": 1}})
    assert response.status_code == 409 and key in response.json["error"]


@pytest.mark.parametrize(("action", "body", "missing"), [
    ("group_autocomplete", {}, "q"), ("organization_autocomplete", {"limit": 5}, "q"),
    ("group_member_delete", {"id": "g"}, "username"), ("organization_member_delete", {"username": "u"}, "id"),
])
def test_parameters_core_reads_unchecked_are_required(app, user, action, body, missing):
    response = call(app, user, action, **body)
    assert response.status_code == 409 and response.json["error"][missing] == ["Missing value"]


def test_autocomplete_with_its_query_works(app, user):
    assert call(app, user, "group_autocomplete", q="x").status_code == 200


@pytest.mark.parametrize("helper", ["send_mail", "get_mail_extra_vars", "prepare_error_mail"])
def test_plugin_helpers_are_not_actions_even_for_sysadmins(app, helper):
    sysadmin = factories.SysadminWithToken()
    if helper not in logic._actions:  # noqa: SLF001 (exported only when harvest's collection leaks them)
        pytest.skip(f"{helper} is not exported in this run")
    response = call(app, sysadmin, helper, recipients=[], subject="s", body="b")
    assert response.status_code == 400 and "not an action" in response.json["error"]["message"]


def test_every_open_action_survives_hostile_numbers_and_non_text(app, user):
    """The sweep that found these: every non-sysadmin action, hostile values in every guarded key."""
    crashes = []
    for name in sorted(n for n in logic._actions if n in surfaces.ACTIONS):  # noqa: SLF001
        if surfaces.ACTIONS[name].kind == "sysadmin":
            continue
        for key, value in [(k, float("inf")) for k in gate.NUMBER_KEYS] + [(k, {}) for k in gate.TEXT_KEYS]:
            try:
                status = call(app, user, name, id="no-such-object", **{key: value}).status_code
            except Exception as error:  # the test app lets exceptions through: in production a 500
                crashes.append(f"{name} {key}: {type(error).__name__}")
                continue
            if status >= 500:
                crashes.append(f"{name} {key}: HTTP {status}")
    assert crashes == []
