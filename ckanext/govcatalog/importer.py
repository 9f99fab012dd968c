"""Bring datasets from an existing agency catalog (CKAN Open-D, same field names) into this one.

Sources: another CKAN's action API (paged package_search) or a JSON-lines dump (one package dict
a line). Every record goes through package_create / package_update, so the schema and the policy
apply exactly as for the web form; a bad record is reported and skipped, never fatal. A state
file records what was done, so an interrupted import resumes where it stopped.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import requests

import ckan.model as model
import ckan.plugins.toolkit as tk

from .gate import unstorable_text

log = logging.getLogger(__name__)

PAGE_SIZE = 100
# Fields that belong to the source catalog's database, not to the dataset.
SOURCE_ONLY_FIELDS = (
    "id", "revision_id", "metadata_created", "metadata_modified", "creator_user_id", "organization",
    "num_resources", "num_tags", "relationships_as_object", "relationships_as_subject", "groups",
    "tracking_summary", "isopen", "license_title", "license_url", "state", "owner_org",
)
RESOURCE_SOURCE_ONLY_FIELDS = ("id", "package_id", "revision_id", "created", "metadata_modified",
                               "cache_last_updated", "cache_url", "url_type", "position", "datastore_active")


class ImportSourceError(Exception):
    """The source itself cannot be read (not one bad record: those are reported and skipped)."""


@dataclass
class SourceRecord:
    name: str
    package: dict[str, Any]
    organization: Optional[dict[str, Any]]


def api_records(base_url: str, token: Optional[str] = None, timeout: float = 30) -> tuple[int, Iterator[SourceRecord]]:
    """The source's datasets, page by page, with the total announced first (for the progress bar)."""
    session = requests.Session()
    if token:
        session.headers["Authorization"] = token
    endpoint = base_url.rstrip("/") + "/api/3/action/package_search"

    def page(start: int) -> dict[str, Any]:
        try:
            params: dict[str, str | int] = {"start": start, "rows": PAGE_SIZE, "sort": "name asc",
                                            "include_private": "true"}
            response = session.get(endpoint, params=params, timeout=timeout)
            response.raise_for_status()
            return response.json()["result"]
        except (requests.RequestException, ValueError, KeyError) as error:
            raise ImportSourceError(f"Cannot read {endpoint}: {error}") from error

    first = page(0)

    def records() -> Iterator[SourceRecord]:
        result, start = first, 0
        while result["results"]:
            for package in result["results"]:
                yield SourceRecord(package.get("name", ""), package, package.get("organization"))
            start += PAGE_SIZE
            if start >= result["count"]:
                return
            result = page(start)

    return first["count"], records()


def jsonl_records(path: Path) -> tuple[int, Iterator[SourceRecord]]:
    lines = path.read_text(encoding="utf-8").splitlines()

    def records() -> Iterator[SourceRecord]:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                package = json.loads(line)
            except ValueError as error:
                yield SourceRecord(f"line {number}", {"__unreadable__": str(error)}, None)
                continue
            if not isinstance(package, dict):
                yield SourceRecord(f"line {number}", {"__unreadable__": "not a JSON object"}, None)
                continue
            name = package.get("name")
            yield SourceRecord(name if isinstance(name, str) and name else f"line {number}", package,
                               package.get("organization"))

    return sum(1 for line in lines if line.strip()), records()


def as_local_package(package: dict[str, Any], owner_org: str) -> dict[str, Any]:
    """The source dict as this catalog's package_create takes it."""
    local = {k: v for k, v in package.items() if k not in SOURCE_ONLY_FIELDS}
    local["owner_org"] = owner_org
    local["resources"] = [
        {k: v for k, v in resource.items() if k not in RESOURCE_SOURCE_ONLY_FIELDS}
        for resource in package.get("resources") or []
        if isinstance(resource, dict)
    ]
    if isinstance(local.get("tags"), list):
        local["tags"] = [{"name": t["name"]} for t in local["tags"] if isinstance(t, dict) and t.get("name")]
    return local


@dataclass
class ImportState:
    """What was done per source dataset name; saved after every record."""

    path: Path
    done: dict[str, str] = field(default_factory=dict)  # name -> created|updated

    @classmethod
    def load(cls, path: Path) -> "ImportState":
        if path.exists():
            return cls(path, json.loads(path.read_text(encoding="utf-8")).get("done", {}))
        return cls(path)

    def mark(self, name: str, outcome: str) -> None:
        self.done[name] = outcome
        self.path.write_text(json.dumps({"done": self.done}, ensure_ascii=False, indent=1), encoding="utf-8")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # done by an earlier run
    failed: dict[str, Any] = field(default_factory=dict)  # name -> errors

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped, "failed": self.failed}


class Importer:
    def __init__(self, state: ImportState, organization: Optional[str] = None) -> None:
        self.state = state
        self.organization = organization  # every dataset into this organization, if given
        self.site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

    def context(self) -> dict[str, Any]:
        return {"user": self.site_user, "ignore_auth": True}

    def import_one(self, record: SourceRecord, report: ImportReport) -> None:
        if record.name in self.state.done:
            report.skipped.append(record.name)
            return
        if "__unreadable__" in record.package:
            report.failed[record.name] = {"record": [record.package["__unreadable__"]]}
            return
        if unstorable_text(record.package):  # as the gate refuses it to the API
            report.failed[record.name] = {"record": [tk._("Text may not hold NUL characters or unpaired surrogates")]}
            return
        try:
            owner_org = self.owner_org(record)
            package = as_local_package(record.package, owner_org)
            existing = model.Package.get(package.get("name") or "")
            if existing is not None:
                package["id"] = existing.id
                tk.get_action("package_update")(self.context(), package)
                outcome = "updated"
            else:
                tk.get_action("package_create")(self.context(), package)
                outcome = "created"
        except tk.ValidationError as error:
            model.Session.rollback()
            report.failed[record.name] = error.error_dict
            return
        except Exception as error:  # one record never stops the import
            model.Session.rollback()
            log.exception("Importing %s failed", record.name)
            report.failed[record.name] = {"error": [f"{type(error).__name__}: {error}"]}
            return
        getattr(report, outcome).append(record.name)
        self.state.mark(record.name, outcome)

    def owner_org(self, record: SourceRecord) -> str:
        """The local organization: the one given, else the source's organization (created if new)."""
        if self.organization:
            return self.organization
        source_org = record.organization or {}
        name = source_org.get("name") if isinstance(source_org, dict) else None
        if not name:
            message = tk._("The source dataset has no organization; use --organization")
            raise tk.ValidationError({"owner_org": [message]})
        if model.Group.get(name) is None:
            tk.get_action("organization_create")(self.context(), {
                "name": name, "title": source_org.get("title") or name,
                "description": source_org.get("description") or ""})
        return name
