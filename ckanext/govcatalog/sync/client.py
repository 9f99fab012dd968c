"""A small client of a remote CKAN action API: TLS verified, timeouts, retries with exponential
backoff and jitter on 429, 5xx, timeouts and dropped connections (honouring Retry-After).

Each thread that calls keeps one keep-alive connection to the target (the sync's pool of threads
is the bound), so a batch does not open a TCP (and TLS) connection per call. A connection idle
for longer than ``IDLE_REUSE`` is replaced before use rather than risking the server's close.
When an HTTP(S) proxy from the environment applies to the target, calls go through urllib (one
connection per call) so that the proxy is honoured.

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
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_ERROR_TEXT = 300
IDLE_REUSE = 2.0  # seconds; below gunicorn's keep-alive (5 s here, 2 s by default) and nginx's


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
        self._url = urllib.parse.urlsplit(self.base_url)
        self._local = threading.local()  # per thread: (connection, last used)
        self._proxied = self._url.scheme in urllib.request.getproxies() \
            and not urllib.request.proxy_bypass(self._url.hostname or "")

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
        try:
            if self._proxied:
                status, payload, error_headers = self._through_urllib(action, body, headers)
            else:
                status, payload, error_headers = self._through_pool(action, body, headers)
        except (TimeoutError, socket.timeout) as error:
            raise RemoteError(f"{action}: no answer within {self.timeout:g} s", retriable=True) from error
        except (ConnectionError, http.client.HTTPException, urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            retriable = not isinstance(reason, ssl.SSLCertVerificationError)
            raise RemoteError(self.scrub(f"{action}: connection failed ({type(reason).__name__}: {reason})"),
                              retriable=retriable) from None
        if status >= 400:
            raise self._http_error(action, status, payload, error_headers)
        try:
            answer = json.loads(payload)
        except ValueError:
            raise RemoteError(f"{action}: the answer is not JSON", retriable=True) from None
        if not isinstance(answer, dict) or not answer.get("success"):
            raise RemoteError(f"{action}: the target did not report success", retriable=False)
        return answer.get("result")

    def _path(self, action: str) -> str:
        return f"{self._url.path.rstrip('/')}/api/3/action/{action}"

    def _connection(self) -> http.client.HTTPConnection:
        """This thread's connection, new when it has none or it has been idle too long."""
        held = getattr(self._local, "held", None)
        if held is not None and time.monotonic() - held[1] < IDLE_REUSE:
            return held[0]
        if held is not None:
            held[0].close()
        host, port = self._url.hostname or "", self._url.port
        connection: http.client.HTTPConnection
        if self._url.scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._tls)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        self._local.held = (connection, time.monotonic())
        return connection

    def _through_pool(self, action: str, body: bytes, headers: dict[str, str]
                      ) -> tuple[int, bytes, Optional[Any]]:
        connection = self._connection()
        try:
            connection.request("POST", self._path(action), body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except BaseException:
            connection.close()  # in an unknown state: the next call opens a new one
            self._local.held = None
            raise
        if response.will_close:
            connection.close()
            self._local.held = None
        else:
            self._local.held = (connection, time.monotonic())
        return response.status, payload, response.headers

    def _through_urllib(self, action: str, body: bytes, headers: dict[str, str]
                        ) -> tuple[int, bytes, Optional[Any]]:
        request = urllib.request.Request(f"{self.base_url}/api/3/action/{action}", data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._tls) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            try:
                payload = error.read() or b""
            except (OSError, http.client.HTTPException):
                payload = b""
            return error.code, payload, error.headers

    def close(self) -> None:
        """Close this thread's connection (the others close when their threads end)."""
        held = getattr(self._local, "held", None)
        if held is not None:
            held[0].close()
            self._local.held = None

    def _http_error(self, action: str, status: int, payload: bytes, headers: Optional[Any]) -> RemoteError:
        details: dict[str, Any] = {}
        try:
            answer = json.loads(payload or b"{}")
            details = answer.get("error") or {} if isinstance(answer, dict) else {}
        except ValueError:
            pass
        if not isinstance(details, dict):
            details = {"message": str(details)}
        text = details.get("message") or ", ".join(
            f"{key}: {value}" for key, value in details.items() if key != "__type") \
            or http.client.responses.get(status, "error")
        message = self.scrub(f"{action}: HTTP {status} ({str(text)[:MAX_ERROR_TEXT]})")
        retry_after = parse_retry_after(headers.get("Retry-After")) if headers is not None else None
        return RemoteError(message, status=status, retriable=status in RETRIABLE_STATUS, retry_after=retry_after,
                           error=details)

    def scrub(self, text: str) -> str:
        """Never let the token into a message (logs, the sync page, last_error)."""
        return text.replace(self._token, "[token]") if self._token else text

    def __repr__(self) -> str:  # no token in tracebacks or logs
        return f"CkanClient({self.base_url!r})"
