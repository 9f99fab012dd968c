"""Push targets, from the configuration; their tokens from the environment or a token file."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import ckan.plugins.toolkit as tk

from ckanext.govcatalog import policy

PREFIX = "ckanext.govcatalog.sync.target."
NAME_PATTERN = re.compile(r"^[a-z0-9_-]{1,40}$")
FIELD_MODES = ("schema", "extras")


class TargetError(tk.ValidationError):
    """A target's configuration is incomplete or wrong (a translated 409 for the API)."""

    def __init__(self, message: str) -> None:
        super().__init__({"target": [message]})


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    kind: str
    organization: str  # the organization on the target for datasets not mapped one by one
    organization_map: tuple[tuple[str, str], ...] = ()  # local organization name -> remote one
    levels: Optional[frozenset[str]] = None  # None: whatever the policy allows
    name_prefix: str = "govcatalog"
    token_file: Optional[str] = None
    # how the national fields travel: "schema" (top-level fields, for catalogs with the national
    # schema: data.go.th, GD Catalog) or "extras" (key/value extras, for a plain CKAN, which would
    # otherwise drop fields it has no schema for)
    fields: str = "schema"

    @property
    def token_variable(self) -> str:
        return "GOVCATALOG_SYNC_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())

    def token(self) -> Optional[str]:
        """The API token: the environment variable first, then the token file. Never in ckan.ini."""
        value = os.environ.get(self.token_variable)
        if value:
            return value.strip()
        if self.token_file:
            try:
                return Path(self.token_file).read_text(encoding="utf-8").strip() or None
            except OSError:
                raise TargetError(tk._("The token file of target %(name)s cannot be read") % {"name": self.name})
        return None

    def remote_organization(self, local_organization: Optional[str]) -> str:
        return dict(self.organization_map).get(local_organization or "", self.organization)

    def remote_name(self, package_id: str) -> str:
        """One stable name per dataset on this target: the prefix and the local id (a CKAN name:
        lower case letters, digits, - and _, at most 100 characters)."""
        prefix = re.sub(r"[^a-z0-9_-]+", "-", self.name_prefix.lower()).strip("-")[:60] or "govcatalog"
        return f"{prefix}-{package_id.lower()}"[:100]

    def owns(self, remote_name: str) -> bool:
        """Whether a remote entry was named by this catalog's sync (reconcile touches only those)."""
        return remote_name.startswith(self.remote_name(""))


def _option(name: str, key: str, default: str = "") -> str:
    # per-target keys cannot be declared one by one: a default keeps CKAN from warning about them
    return str(tk.config.get(f"{PREFIX}{name}.{key}", default) or default).strip()


def load(name: str) -> Target:
    if not NAME_PATTERN.match(name):
        raise TargetError(tk._("Bad sync target name: %(name)s") % {"name": name})
    url, kind = _option(name, "url"), _option(name, "kind", policy.OTHER_CKAN)
    if not url.startswith(("https://", "http://")):
        raise TargetError(tk._("Sync target %(name)s needs a url") % {"name": name})
    if kind not in policy.TARGET_KINDS:
        raise TargetError(tk._("Sync target %(name)s has an unknown kind") % {"name": name})
    default_org, mapping = "", []
    for part in _option(name, "organization").split():
        local, sep, remote = part.partition("=")
        if not sep:
            default_org = part
        elif local == "*":
            default_org = remote
        else:
            mapping.append((local, remote))
    levels_text = _option(name, "levels")
    levels = frozenset(levels_text.split()) if levels_text else None
    if levels is not None and not levels <= set(policy.LEVELS):
        raise TargetError(tk._("Sync target %(name)s lists an unknown level") % {"name": name})
    token_file = _option(name, "token_file") or None
    fields = _option(name, "fields", "extras" if kind == policy.OTHER_CKAN else "schema")
    if fields not in FIELD_MODES:
        raise TargetError(tk._("Sync target %(name)s: fields must be schema or extras") % {"name": name})
    return Target(name=name, url=url, kind=kind, organization=default_org, organization_map=tuple(mapping),
                  levels=levels, name_prefix=_option(name, "name_prefix", tk.config.get("ckan.site_id") or ""),
                  token_file=token_file, fields=fields)


def names() -> list[str]:
    return [str(n) for n in tk.config.get("ckanext.govcatalog.sync.targets") or []]


def all_targets() -> list[Target]:
    return [load(name) for name in names()]


def get(name: str) -> Target:
    if name not in names():
        raise TargetError(tk._("No sync target named %(name)s") % {"name": name})
    return load(name)
