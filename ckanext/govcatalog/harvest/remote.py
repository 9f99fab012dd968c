"""The catalogs an aggregating catalog pulls from: a catalog running this suite (its change feed) or a
plain CKAN / Open-D catalog (its package_search), read through the CKAN action API."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import requests

TIMEOUT = 60
USER_AGENT = "ckanext-govcatalog harvester"


class RemoteError(Exception):
    """The source did not answer as a CKAN action API does (message safe to show: no token)."""


class Gone(RemoteError):
    """The source no longer shows the entry to us (not found, or not authorized any more)."""


@dataclass(frozen=True)
class Source:
    url: str
    token: Optional[str] = None

    @property
    def api(self) -> str:
        return self.url.rstrip("/") + "/api/3/action/"

    def call(self, action: str, **data: Any) -> Any:
        headers = {"User-Agent": USER_AGENT}
        if self.token:
            headers["Authorization"] = self.token
        try:
            response = requests.post(self.api + action, json=data, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise RemoteError(f"{action}: {type(error).__name__}") from None
        if response.status_code in (403, 404):
            raise Gone(f"{action}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise RemoteError(f"{action}: HTTP {response.status_code}, not JSON") from None
        if response.status_code != 200 or not body.get("success"):
            raise RemoteError(f"{action}: HTTP {response.status_code} {str(body.get('error'))[:300]}")
        return body["result"]

    def runs_this_suite(self) -> bool:
        """Catalogs running ckanext-govcatalog say so in status_show (and have the change feed)."""
        return bool(self.call("status_show").get("govcatalog_version"))

    def changes(self, since: int, limit: int = 1000) -> Iterator[dict[str, Any]]:
        """Every page of the change feed after ``since`` (each page a dict of the action's result)."""
        while True:
            page = self.call("govcatalog_changes", since=since, limit=limit)
            yield page
            since = int(page["next_since"])
            if not page["more"]:
                return

    def search(self, fq: str, rows: int = 500, fl: Optional[str] = None) -> Iterator[dict[str, Any]]:
        """Every entry package_search finds for ``fq``, oldest change first (start/rows paging)."""
        start = 0
        while True:
            data: dict[str, Any] = {"q": "*:*", "fq": fq, "rows": rows, "start": start,
                                    "sort": "metadata_modified asc, id asc"}
            if fl:
                data["fl"] = fl
            result = self.call("package_search", **data)
            yield from result["results"]
            start += rows
            if not result["results"] or start >= int(result["count"]):
                return


def read_token(config: dict[str, Any]) -> Optional[str]:
    """The source's token from the environment variable or the file the source config names (the
    config names where the secret is, never the secret: it is shown to catalog managers)."""
    variable = config.get("token_env")
    if variable:
        value = os.environ.get(str(variable), "").strip()
        if value:
            return value
    path = config.get("token_file")
    if path:
        try:
            return Path(str(path)).read_text().strip() or None
        except OSError:
            raise RemoteError(f"token_file {path} cannot be read") from None
    return None
