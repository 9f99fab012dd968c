"""Test harness: a stand-in for the GD Catalog harvester's API, loaded into a second CKAN served
on 127.0.0.1 (plugin ``govcatalog_test_gdcatalog``; tests and `make national` only).

- ``gdcatalog_published_state``: a dataset is registered when this catalog holds a live entry
  pushed for it (named ``<prefix>-<package id>``), unless a test set another answer;
- ``gdcatalog_nonpublish_state``: the governance state a test set (default WAIT);
- ``gdcatalog_test_set_state`` (sysadmins): set the answer for a package id.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

ANSWERS: dict[str, dict[str, Any]] = {}  # package id -> answer fields (this server process only)


def _package_for(package_id: str) -> Any:
    return model.Session.query(model.Package).filter(
        model.Package.name.like(f"%-{package_id}"), model.Package.state == "active").first()


@tk.side_effect_free
def gdcatalog_published_state(context: Any, data_dict: Any) -> list[dict[str, Any]]:
    package_id = str((data_dict or {}).get("package") or "")
    if package_id in ANSWERS:
        return [dict(ANSWERS[package_id])]
    entry = _package_for(package_id) if package_id else None
    if entry is None:
        return [{"metadata_modified": "", "name": ""}]
    return [{"metadata_modified": entry.metadata_modified.isoformat(), "name": entry.name}]


@tk.side_effect_free
def gdcatalog_nonpublish_state(context: Any, data_dict: Any) -> list[dict[str, Any]]:
    package_id = str((data_dict or {}).get("package") or "")
    answer = ANSWERS.get(package_id, {})
    return [{"governance_state": answer.get("governance_state", "WAIT"),
             "validate_time": answer.get("validate_time", ""),
             "metadata_modified": answer.get("metadata_modified", ""), "name": answer.get("name", "")}]


def gdcatalog_test_set_state(context: Any, data_dict: Any) -> dict[str, Any]:
    tk.check_access("sysadmin", context, data_dict)
    package_id = str(data_dict.get("package"))
    if data_dict.get("clear"):
        ANSWERS.pop(package_id, None)
    else:
        ANSWERS[package_id] = {k: v for k, v in data_dict.items() if k != "package"}
    return {"package": package_id}


class GdCatalogHarnessPlugin(p.SingletonPlugin):
    p.implements(p.IActions)
    p.implements(p.IConfigurer)

    def update_config(self, config: Any) -> None:
        # this catalog runs the suite's gate: review the harness's own actions for it
        from ckanext.govcatalog import surfaces

        for name, kind in (("gdcatalog_published_state", "safe"), ("gdcatalog_nonpublish_state", "safe"),
                           ("gdcatalog_test_set_state", "sysadmin")):
            surfaces.ACTIONS[name] = surfaces.Surface(name, kind, ("-",), "none")  # type: ignore[arg-type]

    def get_actions(self) -> dict[str, Any]:
        return {"gdcatalog_published_state": gdcatalog_published_state,
                "gdcatalog_nonpublish_state": gdcatalog_nonpublish_state,
                "gdcatalog_test_set_state": gdcatalog_test_set_state}
