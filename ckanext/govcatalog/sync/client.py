"""A small client of a remote CKAN action API: TLS verified, timeouts, retries with exponential
backoff and jitter on 429, 5xx, timeouts and dropped connections (honouring Retry-After).

The API token is sent in the Authorization header and nowhere else: error messages are written
here from the status and the remote's error text, and scrubbed of the token in case a remote
echoes it back.
"""
from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_ERROR_TEXT = 300


class RemoteError(Exception):
    """A call to the target failed. ``retriable``: worth trying again later; ``retry_after``: the
    seconds the target asked us to wait (429/503), if it said."""

    def __init__(self, message: str, status: Optional[int] = None, retriable: bool = False,
                 retry_after: Optional[float] = None, error: Optional[dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.retriable = retriable
        self.retry_after = retry_after
        self.error = error or {}

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def name_taken(self) -> bool:
        """CKAN's 409 for a dataset name already used (by a live or a deleted entry)."""
        names = self.error.get("name") if self.status == 409 else None
        return isinstance(names, list) and any("already in use" in str(message) for message in names)


@dataclass
class Backoff:
    """Exponential backoff with jitter: base * 2^(n-1), capped, times a random factor in [0.5, 1];
    a Retry-After asks for at least that long. The random source is injectable for tests."""

    base: float = 2.0
    cap: float = 3600.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: Optional[float] = None) -> float:
        exponential = min(self.cap, self.base * (2 ** max(0, attempt - 1)))
        jittered = exponential * (0.5 + self.rng.random() / 2)
        return max(jittered, retry_after or 0.0)


def parse_retry_after(value: Optional[str], clock: Callable[[], float] = time.time) -> Optional[float]:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - clock())


class CkanClient:
    def __init__(self, base_url: str, token: Optional[str], timeout: float = 30.0, tries: int = 4,
                 backoff: Optional[Backoff] = None, inline_wait_max: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep, user_agent: str = "ckanext-govcatalog-sync") -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.tries = max(1, tries)
        self.backoff = backoff or Backoff()
        self.inline_wait_max = inline_wait_max
        self.sleep = sleep
        self.user_agent = user_agent
        self._tls = ssl.create_default_context()  # certificates and host names verified

    # --- the API --------------------------------------------------------------------------

    def call(self, action: str, data: Optional[dict[str, Any]] = None) -> Any:
        """POST an action, trying again (with backoff) when the failure is worth it."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._call_once(action, data or {})
            except RemoteError as error:
                if not error.retriable or attempt >= self.tries:
                    raise
                wait = self.backoff.delay(attempt, error.retry_after)
                if wait > self.inline_wait_max:
                    raise  # a long wait: the job ends and the retry is scheduled
                self.sleep(wait)

    def show(self, name: str) -> Optional[dict[str, Any]]:
        """The remote entry (deleted ones included, for a token that may edit it), or None."""
        try:
            return self.call("package_show", {"id": name})
        except RemoteError as error:
            if error.not_found:
                return None
            raise

    # --- one HTTP request ------------------------------------------------------------------

    def _call_once(self, action: str, data: dict[str, Any]) -> Any:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": self.user_agent}
        if self._token:
            headers["Authorization"] = self._token
        request = urllib.request.Request(f"{self.base_url}/api/3/action/{action}", data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._tls) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise self._http_error(action, error) from None
        except (TimeoutError, socket.timeout) as error:
            raise RemoteError(f"{action}: no answer within {self.timeout:g} s", retriable=True) from error
        except (ConnectionError, http.client.HTTPException, urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            retriable = not isinstance(reason, ssl.SSLCertVerificationError)
            raise RemoteError(self.scrub(f"{action}: connection failed ({type(reason).__name__}: {reason})"),
                              retriable=retriable) from None
        try:
            answer = json.loads(payload)
        except ValueError:
            raise RemoteError(f"{action}: the answer is not JSON", retriable=True) from None
        if not isinstance(answer, dict) or not answer.get("success"):
            raise RemoteError(f"{action}: the target did not report success", retriable=False)
        return answer.get("result")

    def _http_error(self, action: str, error: urllib.error.HTTPError) -> RemoteError:
        status = error.code
        details: dict[str, Any] = {}
        try:
            answer = json.loads(error.read() or b"{}")
            details = answer.get("error") or {} if isinstance(answer, dict) else {}
        except (ValueError, OSError, http.client.HTTPException):
            pass
        text = details.get("message") or ", ".join(
            f"{key}: {value}" for key, value in details.items() if key != "__type") or error.reason
        message = self.scrub(f"{action}: HTTP {status} ({str(text)[:MAX_ERROR_TEXT]})")
        retry_after = parse_retry_after(error.headers.get("Retry-After")) if error.headers else None
        return RemoteError(message, status=status, retriable=status in RETRIABLE_STATUS, retry_after=retry_after,
                           error=details if isinstance(details, dict) else {})

    def scrub(self, text: str) -> str:
        """Never let the token into a message (logs, the sync page, last_error)."""
        return text.replace(self._token, "[token]") if self._token else text

    def __repr__(self) -> str:  # no token in tracebacks or logs
        return f"CkanClient({self.base_url!r})"
