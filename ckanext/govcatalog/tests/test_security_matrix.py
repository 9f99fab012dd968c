"""Security matrix: users x classification levels x publication states x surfaces. Zero leaks.

The oracle is policy.py (its rules are pinned by the explicit table in test_policy.py); this test
shows that every surface a person or a harvester can reach agrees with it, cell by cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import pytest

from ckan import model
from ckan.tests import factories, helpers

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.tests.schema.payloads import dataset_payload

LEVELS = {  # level -> a category that allows it
    "เปิดเผย": "ข้อมูลสาธารณะ",
    "ชั้นเผยแพร่ภายในองค์กร": "ข้อมูลใช้ภายใน",
    "ลับ": "ข้อมูลส่วนบุคคล",
    "ลับมาก": "ข้อมูลส่วนบุคคล",
    "ลับที่สุด": "ข้อมูลความมั่นคง",
}
STATES = ("published", "private", "draft")
USERS = ("anonymous", "outsider", "member", "editor", "org_admin", "other_org_admin", "sysadmin")

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins",
                            "govcatalog_search govcatalog scheming_datasets activity dcat structured_data"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@dataclass
class Dataset:
    name: str
    id: str
    resource_id: str
    resource_url: str


def make_people() -> tuple[dict, dict[str, dict], dict]:
    """The owning organization, one person per matrix user (with API tokens), and the creator."""
    org, other_org = factories.Organization(), factories.Organization()
    people = {name: factories.UserWithToken() for name in USERS if name not in ("anonymous", "sysadmin")}
    people["sysadmin"] = factories.SysadminWithToken()
    creator = factories.UserWithToken()
    for name, role in (("member", "member"), ("editor", "editor"), ("org_admin", "admin")):
        helpers.call_action("organization_member_create", id=org["id"], username=people[name]["name"], role=role)
    helpers.call_action("organization_member_create", id=org["id"], username=creator["name"], role="editor")
    helpers.call_action("organization_member_create", id=other_org["id"],
                        username=people["other_org_admin"]["name"], role="admin")
    return org, people, creator


@pytest.fixture
def world():
    org, people, creator = make_people()
    datasets = {}
    for level_index, (level, category) in enumerate(LEVELS.items()):
        for state in STATES:
            name = f"ds-{level_index}-{state}"
            url = f"http://127.0.0.1/files/{name}.csv"
            payload = dataset_payload(
                org["id"], name, data_category=category, data_classification=level,
                private=(state == "private"), state="draft" if state == "draft" else "active",
                resources=[{"name": "ไฟล์", "url": url, "format": "CSV"}],
            )
            created = helpers.call_action("package_create", context={"user": creator["name"]}, **payload)
            datasets[(level, state)] = Dataset(name, created["id"], created["resources"][0]["id"], url)
    return {"people": people, "datasets": datasets}


def headers(world, user: str) -> dict[str, str]:
    return {} if user == "anonymous" else {"Authorization": world["people"][user]["token"]}


def expected(dataset: Dataset, user: str, world) -> tuple[bool, bool]:
    user_obj = None if user == "anonymous" else model.User.get(world["people"][user]["name"])
    facts, who = access.dataset_facts(model.Package.get(dataset.id)), access.user_facts(user_obj)
    return policy.may_see_metadata(facts, who), policy.may_see_resources(facts, who)


Check = Callable[..., Optional[str]]


def check_package_show(app, world, user, dataset, sees, downloads) -> Optional[str]:
    response = app.get("/api/3/action/package_show", query_string={"id": dataset.name}, headers=headers(world, user))
    if response.status_code != (200 if sees else 403):
        return f"package_show status {response.status_code}"
    if sees and (dataset.resource_url in response.body) is not downloads:
        return "package_show resources"


def check_resource_show(app, world, user, dataset, sees, downloads) -> Optional[str]:
    response = app.get("/api/3/action/resource_show", query_string={"id": dataset.resource_id},
                       headers=headers(world, user))
    if (response.status_code == 200) is not downloads:
        return f"resource_show status {response.status_code}"


def check_download(app, world, user, dataset, sees, downloads) -> Optional[str]:
    response = app.get(f"/dataset/{dataset.id}/resource/{dataset.resource_id}/download",
                       headers=headers(world, user), follow_redirects=False)
    if (response.status_code == 302 and response.headers.get("Location") == dataset.resource_url) is not downloads:
        return f"download status {response.status_code}"


def check_search(app, world, user, dataset, sees, downloads) -> Optional[str]:
    response = app.get("/api/3/action/package_search", headers=headers(world, user), query_string={
        "fq": f'name:"{dataset.name}"', "include_private": "true", "include_drafts": "true"})
    result = response.json["result"]
    if (result["count"] == 1) is not sees:
        return f"package_search count {result['count']}"
    if sees and (dataset.resource_url in response.body) is not downloads:
        return "package_search resources"
    # fl cannot reach around the hiding
    response = app.get("/api/3/action/package_search", headers=headers(world, user), query_string={
        "fq": f'name:"{dataset.name}"', "include_private": "true", "include_drafts": "true",
        "fl": "id,name,res_url,data_dict,validated_data_dict"})
    if not downloads and dataset.resource_url in response.body:
        return "package_search fl leaks the file"


def check_page(app, world, user, dataset, sees, downloads) -> Optional[str]:
    response = app.get(f"/dataset/{dataset.name}", headers=headers(world, user))
    if (response.status_code == 200) is not sees:
        return f"dataset page status {response.status_code}"
    if sees and (dataset.resource_url in response.body or dataset.resource_id in response.body) is not downloads:
        return "dataset page resources"


def check_resource_page(app, world, user, dataset, sees, downloads) -> Optional[str]:
    response = app.get(f"/dataset/{dataset.name}/resource/{dataset.resource_id}", headers=headers(world, user))
    if (response.status_code == 200) is not downloads:
        return f"resource page status {response.status_code}"


def check_activity(app, world, user, dataset, sees, downloads) -> Optional[str]:
    response = app.get("/api/3/action/package_activity_list", query_string={"id": dataset.id},
                       headers=headers(world, user))
    if (response.status_code == 200) is not sees:
        return f"activity status {response.status_code}"


def check_dcat(app, world, user, dataset, sees, downloads) -> Optional[str]:
    response = app.get(f"/dataset/{dataset.name}.ttl", headers=headers(world, user))
    if (response.status_code == 200) is not sees:
        return f"dcat status {response.status_code}"
    if sees and (dataset.resource_url in response.body) is not downloads:
        return "dcat distribution"


SURFACES: dict[str, Check] = {
    "package_show": check_package_show,
    "resource_show": check_resource_show,
    "download": check_download,
    "package_search": check_search,
    "dataset_page": check_page,
    "resource_page": check_resource_page,
    "activity": check_activity,
    "dcat": check_dcat,
}


@pytest.mark.parametrize("user", USERS)
def test_every_cell_agrees_with_the_policy(app, world, user):
    leaks = []
    for (level, state), dataset in world["datasets"].items():
        sees, downloads = expected(dataset, user, world)
        for surface, check in SURFACES.items():
            problem = check(app, world, user, dataset, sees, downloads)
            if problem:
                leaks.append(f"{user} | {level} | {state} | {surface}: {problem} "
                             f"(expected sees={sees}, files={downloads})")
    assert leaks == []


def test_the_oracle_is_not_trivial(world):
    """The matrix covers both answers for every surface condition."""
    cells = [expected(d, u, world) for d in world["datasets"].values() for u in USERS]
    assert {(True, True), (True, False), (False, False)} <= set(cells)


def test_tightening_the_level_hides_at_once_everywhere(app, world):
    dataset = world["datasets"][("เปิดเผย", "published")]
    editor = world["people"]["editor"]
    assert app.get(f"/dataset/{dataset.name}").status_code == 200
    response = app.post("/api/3/action/package_patch", headers={"Authorization": editor["token"]}, json={
        "id": dataset.id, "data_category": "ข้อมูลความมั่นคง", "data_classification": "ลับที่สุด"})
    assert response.status_code == 200, response.body
    for surface, check in SURFACES.items():
        assert check(app, world, "anonymous", dataset, False, False) is None, surface
    creator_activity = app.get("/api/3/action/user_activity_list",
                               query_string={"id": model.Package.get(dataset.id).creator_user_id}).body
    assert dataset.name not in creator_activity


@pytest.mark.parametrize("user", USERS)
def test_auth_functions_alone_agree_with_the_policy(world, user):
    """The auth layer by itself (the resource hiding is a second, independent layer)."""
    disagreements = []
    user_name = None if user == "anonymous" else world["people"][user]["name"]
    for (level, state), dataset in world["datasets"].items():
        sees, downloads = expected(dataset, user, world)
        for auth, data, allowed in (("package_show", {"id": dataset.id}, sees),
                                    ("resource_show", {"id": dataset.resource_id}, downloads)):
            context = {"user": user_name, "model": model}
            try:
                helpers.call_auth(auth, context, **data)
                granted = True
            except Exception:  # NotAuthorized
                granted = False
            if granted is not allowed:
                disagreements.append(f"{user} | {level} | {state} | {auth}: granted={granted}")
    assert disagreements == []
