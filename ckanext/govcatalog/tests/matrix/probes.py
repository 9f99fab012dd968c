"""Turn a surface of ``surfaces.py`` into concrete calls against a seeded world.

An action becomes POSTs to ``/api/3/action/<name>`` with arguments built from what the surface is
addressed by; a route becomes GETs of URLs built by Flask's ``url_for`` from the same values. The
plugins are the deployed set (deploy/ckan-settings.ini), so what is probed is what agencies run.
"""
from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import flask

from ckanext.govcatalog import surfaces
from ckanext.govcatalog.tests.matrix.world import Seeded, World

DEPLOY_SETTINGS = Path(__file__).resolve().parents[4] / "deploy" / "ckan-settings.ini"


def deployed_plugins() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(DEPLOY_SETTINGS, encoding="utf-8")
    return parser["app:main"]["ckan.plugins"]


@dataclass(frozen=True)
class Call:
    surface: str
    method: str  # GET (a page) or POST (an action)
    url: str
    body: Optional[dict[str, Any]]
    dataset: Optional[Seeded]  # the dataset the call addresses (its name and id may be echoed)


QUERY_ARGS: dict[str, list[dict[str, Any]]] = {
    "package_search": [
        {"q": "", "rows": 1000, "include_private": True, "include_drafts": True},
        {"q": "mk*", "rows": 1000, "include_private": True, "include_drafts": True,
         "facet.field": ["tags", "res_format", "organization"], "facet.limit": -1},
        {"rows": 1000, "include_private": True, "fl": "data_dict"},
        {"rows": 1000, "include_private": True, "fl": "validated_data_dict"},
        {"rows": 1000, "include_private": True, "fl": "id,name,title,notes,tags,res_url,res_name,res_description,urls"},
    ],
    "package_autocomplete": [{"q": "mk"}, {"q": "ชุดข้อมูล"}],
    "format_autocomplete": [{"q": "c"}],
    "resource_search": [{"query": "name:mk"}, {"query": "url:mk"}, {"query": "description:mk"},
                        {"query": ["name:mk", "format:CSV"]}],
    "tag_list": [{}, {"query": "mk"}, {"all_fields": True}],
    "tag_search": [{"query": "mk"}, {"q": "mk", "limit": 1000}],
    "tag_autocomplete": [{"q": "mk"}, {"query": "mk", "limit": 1000}],
    "organization_autocomplete": [{"q": "o"}],
    "group_autocomplete": [{"q": "e"}],
    "user_autocomplete": [{"q": "t"}],
    "api.dataset_autocomplete": [{"incomplete": "mk"}, {"incomplete": "ชุดข้อมูล"}],
    "api.tag_autocomplete": [{"incomplete": "mk"}],
    "api.format_autocomplete": [{"incomplete": "c"}],
    "api.user_autocomplete": [{"q": "t"}],
    "api.group_autocomplete": [{"q": "e"}],
    "api.organization_autocomplete": [{"q": "o"}],
    "feeds.custom": [{"q": "mk*"}],
}
# Extra arguments for particular actions on top of their address.
EXTRA_ARGS: dict[str, dict[str, Any]] = {
    "member_list": {"object_type": "package"},
    "tag_show": {"include_datasets": True},
    "user_show": {"include_datasets": True},
    "organization_show": {"include_datasets": True},
    "group_show": {"include_datasets": True},
    "activity_show": {"include_data": True},
    "activity_diff": {"object_type": "package", "diff_type": "unified"},
    "package_activity_list": {"include_hidden_activity": True},
}
ROUTE_FORMATS = {"dcat.read_catalog": ("ttl", "jsonld", "xml"), "dcat.read_dataset": ("ttl", "jsonld", "xml")}


# Approvers and sysadmins may see every dataset of this world, so nothing can leak to them: they
# read a sample (every level, published, staged or not) to show that nothing crashes for them.
SAMPLED_PERSONAS = ("approver", "sysadmin")


def datasets_for(world: World, persona: str) -> list[Seeded]:
    if persona in SAMPLED_PERSONAS:
        return [d for d in world.datasets if d.state == "published"]
    return world.datasets


def _address_values(world: World, address: str, persona: str) -> Iterator[tuple[dict[str, Any], Optional[Seeded]]]:
    """The values that address a surface, each with the dataset it concerns (if any)."""
    datasets = datasets_for(world, persona)
    if address == "none":
        yield {}, None
    elif address == "dataset":
        for seeded in datasets:
            yield {"id": seeded.id}, seeded
    elif address == "resource":
        for seeded in datasets:
            for resource_id in seeded.resource_ids:
                yield {"id": resource_id}, seeded
    elif address == "organization":
        yield {"id": world.org["id"]}, None
    elif address == "group":
        yield {"id": world.group["id"]}, None
    elif address == "tag":
        for seeded in datasets:
            yield {"id": seeded.tag}, seeded
    elif address == "user":
        yield {"id": world.creator["id"]}, None
        if world.user_id(persona):
            yield {"id": world.user_id(persona)}, None
    elif address == "activity":
        for seeded in datasets:
            if seeded.id in world.activity_ids:
                yield {"id": world.activity_ids[seeded.id]}, seeded
    # view, source, job, file: nothing of this world is addressed so; the gate test covers them


def action_calls(world: World, name: str, persona: str) -> Iterator[Call]:
    surface = surfaces.ACTIONS[name]
    if name in QUERY_ARGS:
        for args in QUERY_ARGS[name]:
            yield Call(name, "POST", f"/api/3/action/{name}", args, None)
        return
    for values, seeded in _address_values(world, surface.address, persona):
        yield Call(name, "POST", f"/api/3/action/{name}", dict(values, **EXTRA_ARGS.get(name, {})), seeded)


def _route_values(world: World, endpoint: str, rule: str, address: str, persona: str
                  ) -> Iterator[tuple[dict[str, Any], Optional[Seeded]]]:
    if endpoint in QUERY_ARGS:
        for args in QUERY_ARGS[endpoint]:
            yield args, None
        return
    for values, seeded in _address_values(world, address, persona):
        if address in ("dataset", "resource", "activity"):
            assert seeded is not None, f"{address} values come with their dataset"
        if address == "dataset" and seeded is not None:
            values = {"id": seeded.name, "_id": seeded.name, "dataset_id": seeded.name}
        elif address == "resource" and seeded is not None:
            if values["id"] != seeded.upload_resource_id:  # pages: the file's resource (actions read both)
                continue
            values = {"id": seeded.name, "resource_id": values["id"]}
        elif address == "activity" and seeded is not None:
            # /dataset/<id>/history/<activity_id> names the dataset; /dataset/changes/<id> the activity
            dataset_id = seeded.name if "<activity_id>" in rule else values["id"]
            values = {"id": dataset_id, "activity_id": values["id"], "resource_id": seeded.upload_resource_id}
        elif address == "user":
            values = {"id": values["id"]}
        elif address in ("organization", "group"):
            values = {"id": world.org["name"] if address == "organization" else world.group["name"]}
        yield values, seeded


def view_key(app: Any, endpoint: str) -> str:
    """Blueprints of dataset types register the same views again (resource.read, dataset_resource.read)."""
    view = app.flask_app.view_functions[endpoint]
    view = getattr(view, "view_class", view)
    return f"{view.__module__}.{view.__qualname__}:{endpoint.split('.')[-1]}"


def route_calls(app: Any, world: World, endpoint: str, persona: str) -> Iterator[Call]:
    """GET calls of a route (routes without GET are forms, reached through their actions)."""
    flask_app = app.flask_app
    rules = [r for r in flask_app.url_map.iter_rules() if r.endpoint == endpoint and "GET" in r.methods]
    if not rules:
        return
    rule = rules[0]
    for values, seeded in _route_values(world, endpoint, rule.rule, surfaces.ROUTES[endpoint].address, persona):
        for extra in _route_extras(endpoint, rule.arguments):
            with flask_app.test_request_context():
                try:
                    url = flask.url_for(endpoint, **dict(values, **extra))
                except Exception:  # a value the rule does not take (e.g. a view id): not this probe
                    continue
            yield Call(endpoint, "GET", url, None, seeded)


def _route_extras(endpoint: str, arguments: Any) -> list[dict[str, Any]]:
    if endpoint in ROUTE_FORMATS:
        return [{"_format": f} for f in ROUTE_FORMATS[endpoint]]
    extras: dict[str, Any] = {}
    if "ver" in arguments:
        extras["ver"] = 3 if endpoint == "api.action" else 2
    if "lang" in arguments:
        extras["lang"] = "th"
    if "filename" in arguments:
        extras["filename"] = "file.csv"
    if "path" in arguments or "filename" in arguments and endpoint == "static":
        extras.update(path="x", filename="base/robots.txt")
    return [extras]
