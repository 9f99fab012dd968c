"""Reconcile: compare what each target holds with what it should hold, and repair the drift
(entries deleted or edited by hand on the target, pushes or withdrawals that never arrived)."""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator, Optional

from . import service
from . import targets as targets_
from .client import CkanClient
from .model import PUSH, WITHDRAW, SyncRecord

PAGE = 1000
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def remote_entries(target: targets_.Target, client: CkanClient) -> Iterator[dict[str, Any]]:
    """The live entries this catalog's sync named, in the target's organizations."""
    organizations = sorted({target.organization, *(remote for _, remote in target.organization_map)} - {""})
    for organization in organizations:
        start = 0
        while True:
            result = client.call("package_search", {
                "fq": f"organization:{organization}", "rows": PAGE, "start": start, "include_private": True,
                "fl": "id,name,metadata_modified", "sort": "name asc"})
            for entry in result.get("results", []):
                if target.owns(entry.get("name", "")):
                    yield entry
            start += PAGE
            if start >= int(result.get("count") or 0):
                break


def _same_time(a: Optional[str], b: Optional[str]) -> bool:
    def norm(value: Optional[str]) -> str:
        return (value or "").rstrip("Z").split("+")[0]
    return norm(a) == norm(b)


def decide(target: targets_.Target, remote: dict[str, dict[str, Any]], package_ids: list[str]
           ) -> list[service.Plan]:
    """What to do so that the target holds exactly what it should."""
    plans = []
    for package_id in package_ids:
        name = target.remote_name(package_id)
        there = remote.pop(name, None)
        item = service.plan(package_id, target)
        record = SyncRecord.get(package_id, target.name)
        eligible = item.operation == PUSH or item.reason == "unchanged"
        if eligible and (there is None or record is None
                         or not _same_time(record.remote_modified, there.get("metadata_modified"))):
            forced = service.plan(package_id, target, force=True)
            forced.reason = "missing on the target" if there is None else "edited on the target"
            plans.append(forced)
        elif eligible and item.operation == PUSH:
            plans.append(item)
        elif not eligible and (there is not None or item.operation == WITHDRAW):
            plans.append(service.Plan(package_id, target, WITHDRAW, "should not be there",
                                      package_name=item.package_name))
    for name in remote:  # named by us, but for no dataset we know of
        package_id = name[len(target.remote_name("")):]
        if UUID.match(package_id):
            plans.append(service.Plan(package_id, target, WITHDRAW, "unknown here"))
    return plans


def reconcile(chosen: Optional[list[targets_.Target]] = None, dry_run: bool = False,
              settings: Optional[service.Settings] = None,
              progress: Optional[Callable[[int], None]] = None) -> service.Summary:
    settings = settings or service.SETTINGS_FACTORY()
    chosen = targets_.all_targets() if chosen is None else chosen
    summary = service.Summary()
    package_ids = service.all_package_ids()
    for target in chosen:
        client = service.client_for(target, settings)
        try:
            remote = {entry["name"]: entry for entry in remote_entries(target, client)}
        except service.RemoteError as error:
            summary.add("unreachable", target.name, error.args[0])
            continue
        plans = decide(target, remote, package_ids)
        for item in plans:
            summary.add(f"would {item.operation}: {item.reason}" if dry_run else item.reason)
        if not dry_run:
            service.execute(plans, {target.name: client}, settings, summary)
        if progress:
            progress(1)
    return summary
