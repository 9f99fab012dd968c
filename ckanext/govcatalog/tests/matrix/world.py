"""A seeded catalog for the leak test: every level x every workflow state, published datasets with a
staged edit and a staged upload, and a unique marker in every place a secret can sit.

Markers are short ASCII tokens (``mk<kind><n>q``) that nothing else in CKAN's output contains, so
finding one in a response is finding that piece of that dataset.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Optional

from ckan.tests import factories, helpers

from ckanext.govcatalog.tests.schema.payloads import dataset_payload
from ckanext.govcatalog.tests.test_security_matrix import LEVELS  # level -> a category that allows it

PERSONAS = ("anonymous", "outsider", "member", "editor", "approver", "sysadmin")
STEPS = {  # workflow state -> the steps that lead there from draft
    "draft": (),
    "pending": ("submit",),
    "published": ("submit", "approve"),
    "rejected": ("submit", "reject"),
    "withdrawal_requested": ("submit", "approve", "request_withdrawal"),
    "withdrawn": ("submit", "approve", "withdraw"),
}
STAGED_LEVELS = ("เปิดเผย", "ลับ")  # published datasets that also carry a staged edit and upload

# Which markers a kind of marker belongs to: what the reader must be allowed to see it.
METADATA_KINDS = ("ti", "no", "tg")          # title, notes, tag
NAME_KINDS = ("nm", "id")                    # the dataset's name and id
FILE_KINDS = ("rn", "rd", "ul", "fn", "fb")  # link name, description, URL; upload file name, bytes
STAGED_KINDS = ("sn", "sb", "sr")            # staged notes, staged bytes, staged new resource


def marker(kind: str, number: int) -> str:
    return f"mk{kind}{number}q"


@dataclass
class Seeded:
    number: int
    level: str
    state: str
    staged: bool
    id: str = ""
    name: str = ""
    resource_ids: list[str] = field(default_factory=list)
    upload_resource_id: str = ""
    tag: str = ""

    def markers(self) -> dict[str, str]:
        """Marker text by kind (the id marker is the dataset's id itself)."""
        kinds = METADATA_KINDS + ("nm",) + FILE_KINDS + (STAGED_KINDS if self.staged else ())
        found = {kind: marker(kind, self.number) for kind in kinds}
        found["id"] = self.id
        return found


@dataclass
class World:
    org: dict[str, Any]
    group: dict[str, Any]
    people: dict[str, dict[str, Any]]
    creator: dict[str, Any]
    datasets: list[Seeded]
    activity_ids: dict[str, str] = field(default_factory=dict)  # dataset id -> its latest activity

    def headers(self, persona: str) -> dict[str, str]:
        person = self.people.get(persona)
        return {"Authorization": person["token"]} if person else {}

    def user_id(self, persona: str) -> Optional[str]:
        person = self.people.get(persona)
        return person["id"] if person else None


def _ok(app: Any, action: str, user: dict[str, Any], **kwargs: Any) -> Any:
    response = app.post(f"/api/3/action/{action}", headers={"Authorization": user["token"]}, **kwargs)
    assert response.status_code == 200, (action, response.body[:500])
    return response.json["result"]


def _upload(app: Any, user: dict[str, Any], action: str, data: dict[str, Any], filename: str,
            content: bytes) -> dict[str, Any]:
    form = dict(data, upload=(io.BytesIO(content), filename))
    return _ok(app, action, user, data=form, content_type="multipart/form-data")


def build(app: Any) -> World:
    org, other_org = factories.Organization(name="home-office"), factories.Organization(name="other-office")
    group = factories.Group(name="every-dataset")
    people = {name: factories.UserWithToken() for name in ("outsider", "member", "editor", "approver")}
    people["sysadmin"] = factories.SysadminWithToken()
    creator, admin = factories.UserWithToken(), factories.UserWithToken()
    for person, role in ((people["member"], "member"), (people["editor"], "editor"), (creator, "editor"),
                         (admin, "admin")):
        helpers.call_action("organization_member_create", id=org["id"], username=person["name"], role=role)
    helpers.call_action("organization_member_create", id=other_org["id"], username=people["outsider"]["name"],
                        role="admin")
    _ok(app, "govcatalog_approver_create", admin, json={"id": org["id"], "username": people["approver"]["name"]})
    world = World(org, group, people, creator, [])
    plan = [(level, state, False) for level in LEVELS for state in STEPS]
    plan += [(level, "published", True) for level in STAGED_LEVELS]
    for number, (level, state, staged) in enumerate(plan):
        world.datasets.append(_seed(app, world, number, level, state, staged))
    return world


def _seed(app: Any, world: World, number: int, level: str, state: str, staged: bool) -> Seeded:
    seeded = Seeded(number, level, state, staged)
    mk = lambda kind: marker(kind, number)  # noqa: E731
    seeded.name, seeded.tag = mk("nm"), mk("tg")
    payload = dataset_payload(world.org["id"], seeded.name, title=f"ชุดข้อมูล {mk('ti')}",
                              notes=f"รายละเอียด {mk('no')}", tag_string=f"{seeded.tag},ทดสอบ",
                              data_category=LEVELS[level], data_classification=level,
                              resources=[{"name": mk("rn"), "description": mk("rd"), "format": "CSV",
                                          "url": f"http://127.0.0.1/files/{mk('ul')}.csv"}])
    created = _ok(app, "package_create", world.creator, json=payload)
    seeded.id = created["id"]
    upload = _upload(app, world.creator, "resource_create", {"package_id": seeded.id, "name": "ไฟล์", "format": "CSV"},
                     f"{mk('fn')}.csv", f"a,b\n{mk('fb')},1\n".encode())
    seeded.upload_resource_id = upload["id"]
    seeded.resource_ids = [created["resources"][0]["id"], upload["id"]]
    for step in STEPS[state]:
        actor = world.creator if step in ("submit", "request_withdrawal") else world.people["approver"]
        _ok(app, f"govcatalog_workflow_{step}", actor, json={"id": seeded.id, "reason": "เหตุผล"})
    if staged:
        _stage(app, world, seeded)
    # last: an editor outside the group may not edit a dataset's groups (package_patch above)
    helpers.call_action("member_create", id=world.group["id"], object=seeded.id, object_type="package",
                        capacity="public")
    return seeded


def _stage(app: Any, world: World, seeded: Seeded) -> None:
    """The creator edits the published dataset: new notes, replacement bytes, a new resource."""
    mk = lambda kind: marker(kind, seeded.number)  # noqa: E731
    _ok(app, "package_patch", world.creator, json={"id": seeded.id, "notes": f"แก้ไข {mk('sn')}"})
    _upload(app, world.creator, "resource_patch", {"id": seeded.upload_resource_id}, "replacement.csv",
            f"a,b\n{mk('sb')},2\n".encode())
    _ok(app, "resource_create", world.creator, json={
        "package_id": seeded.id, "name": mk("sr"), "format": "CSV", "url": f"http://127.0.0.1/{mk('sr')}.csv"})
