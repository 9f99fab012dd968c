"""The seeded leak test: every reviewed surface, read by every kind of person, leaks nothing.

A world of datasets (each level x each workflow state, plus published ones with a staged edit and
a staged upload) carries unique markers in title, notes, tags, name, id, resource name, URL,
description, file name and file bytes. Every action and GET route of ``surfaces.py`` is called
as anonymous, an outsider, a member, an editor, an approver and a sysadmin; a leak is a marker of
a dataset in a response to someone the hand-written table in expected.py does not allow it to.
A 5xx is a failure too (a crash is not a refusal). Non-sysadmins also try every write action
(editors' writes are in test_writes.py, as they may really change things).
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

import ckan.logic as logic
from ckan import model

from ckanext.govcatalog import surfaces
from ckanext.govcatalog.tests.matrix import expected, probes, world as seeded_world
from ckanext.govcatalog.tests.matrix.world import (FILE_KINDS, METADATA_KINDS, NAME_KINDS, PERSONAS, STAGED_KINDS,
                                                   World)

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", probes.deployed_plugins()),
    pytest.mark.ckan_config("ckan.auth.create_user_via_api", "false"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]
WRITERS_PROBED = ("anonymous", "outsider", "member")


def _latest_activities() -> dict[str, str]:
    rows = model.Session.execute(sa.text(
        "SELECT DISTINCT ON (object_id) object_id, id FROM activity ORDER BY object_id, timestamp DESC"))
    return {object_id: activity_id for object_id, activity_id in rows}


def _calls(app: Any, world: World, persona: str) -> Iterator[probes.Call]:
    """Writes first (they may create follows and such that the reads then show), then reads."""
    registered = logic._actions  # noqa: SLF001 (the running app's own registry)
    names = sorted(n for n in registered if n in surfaces.ACTIONS)
    reads = [n for n in names if getattr(registered[n], "side_effect_free", False)]
    writes = [n for n in names if n not in reads]
    for name in writes if persona in WRITERS_PROBED else ():
        if surfaces.ACTIONS[name].kind == "sysadmin":
            yield probes.Call(name, "POST", f"/api/3/action/{name}", {}, None)
        else:
            yield from probes.action_calls(world, name, persona)
    for name in reads:
        if surfaces.ACTIONS[name].kind == "sysadmin":
            if persona != "sysadmin":
                yield probes.Call(name, "POST", f"/api/3/action/{name}", {}, None)
        else:
            yield from probes.action_calls(world, name, persona)
    views: set[str] = set()
    for endpoint in sorted(surfaces.ROUTES):
        if endpoint not in app.flask_app.view_functions or probes.view_key(app, endpoint) in views:
            continue
        views.add(probes.view_key(app, endpoint))
        if surfaces.ROUTES[endpoint].kind == "sysadmin" and persona == "sysadmin":
            continue
        yield from probes.route_calls(app, world, endpoint, persona)


def _call(app: Any, world: World, persona: str, call: probes.Call) -> Any:
    if call.method == "POST":
        return app.post(call.url, json=call.body, headers=world.headers(persona))
    return app.get(call.url, headers=world.headers(persona), follow_redirects=False)


def _allowed(kind: str, level: str, state: str, persona: str) -> bool:
    sees, files = expected.allowed(level, state, persona)
    if kind in METADATA_KINDS or kind in NAME_KINDS:
        return sees
    if kind in FILE_KINDS:
        return files
    assert kind in STAGED_KINDS
    return sees and persona in expected.SEES_STAGED


# The change feed tells pullers that an entry they may have had (it was published, not top secret)
# was withdrawn, by its id only (policy.feed_change; surfaces.py layer "feed"): that id is the one
# thing a withdrawal may name, to anyone who could have pulled it.
WITHDRAWAL_NOTICES = ("govcatalog_changes",)


def _withdrawal_notice(call: probes.Call, kind: str, dataset: Any) -> bool:
    return (call.surface in WITHDRAWAL_NOTICES and kind == "id" and dataset.state == "withdrawn"
            and dataset.level != "ลับที่สุด" and not dataset.staged)


def _leaks(world: World, persona: str, call: probes.Call, body: str, seen: dict[str, set[str]]) -> list[str]:
    supplied = call.url + json.dumps(call.body or {})
    found = []
    for dataset in world.datasets:
        for kind, text in dataset.markers().items():
            if text not in body or text in supplied:  # echoing what the caller sent is no leak
                continue
            seen[persona].add(text)
            if _withdrawal_notice(call, kind, dataset):
                continue
            if not _allowed(kind, dataset.level, dataset.state, persona):
                found.append(f"{persona} | {dataset.level} {dataset.state}{' staged' if dataset.staged else ''} | "
                             f"{call.surface} {call.method} {call.url} {call.body or ''} | {kind} {text}")
    return found


def _refused_if_sysadmin_only(persona: str, call: probes.Call, status: int) -> list[str]:
    table = surfaces.ACTIONS if call.method == "POST" else surfaces.ROUTES
    if persona != "sysadmin" and table[call.surface].kind == "sysadmin" and status != 403:
        return [f"{persona} | {call.surface} {call.url}: sysadmin-only surface answered {status}"]
    return []


def test_no_surface_leaks_a_marker(app: Any) -> None:
    world = seeded_world.build(app)
    world.activity_ids = _latest_activities()
    failures: list[str] = []
    seen: dict[str, set[str]] = defaultdict(set)
    probed: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    for persona in PERSONAS:
        for call in _calls(app, world, persona):
            probed[call.surface] += 1
            started = time.perf_counter()
            try:
                response = _call(app, world, persona, call)
                seconds[call.surface] += time.perf_counter() - started
            except Exception as error:  # the test app lets exceptions through: in production a 500
                failures.append(f"{persona} | {call.surface} {call.method} {call.url} {call.body}: "
                                f"crash {type(error).__name__}: {str(error)[:100]}")
                continue
            if response.status_code >= 500:
                failures.append(f"{persona} | {call.surface} {call.method} {call.url} {call.body}: "
                                f"HTTP {response.status_code}")
                continue
            failures += _refused_if_sysadmin_only(persona, call, response.status_code)
            failures += _leaks(world, persona, call, response.get_data(as_text=True), seen)
    print("slowest surfaces:", sorted(seconds.items(), key=lambda item: -item[1])[:15])
    print("calls:", sum(probed.values()))
    assert failures == [], f"{len(failures)} leaks or crashes:\n" + "\n".join(failures[:200])
    _assert_probes_reached_the_data(world, seen)
    _assert_every_reviewed_surface_was_probed(probed)


def _assert_probes_reached_the_data(world: World, seen: dict[str, set[str]]) -> None:
    """The test cannot pass by seeing nothing: everyone finds every marker they may see."""
    missing = []
    for persona in PERSONAS:
        for dataset in probes.datasets_for(world, persona):
            sees, files = expected.allowed(dataset.level, dataset.state, persona)
            markers = dataset.markers()
            wanted = [k for k in METADATA_KINDS + NAME_KINDS if sees] + [k for k in FILE_KINDS if files]
            missing += [f"{persona} never saw {k} of {dataset.level} {dataset.state}"
                        for k in wanted if markers[k] not in seen[persona]]
    assert missing == []


def _assert_every_reviewed_surface_was_probed(probed: dict[str, int]) -> None:
    """Each enabled surface was called at least once, except those no seeded object addresses."""
    unaddressed = {"view", "source", "job", "file"}
    registered = set(logic._actions)  # noqa: SLF001
    not_probed = [n for n, s in surfaces.ACTIONS.items()
                  if n in registered and s.address not in unaddressed and not probed.get(n)]
    assert not_probed == []
