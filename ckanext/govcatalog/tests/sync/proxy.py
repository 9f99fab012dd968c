"""A fault-injecting HTTP proxy in front of the target catalog (loopback only).

Faults are planned per action (the last part of ``/api/3/action/<name>``) and used up in order:
- ``500``: answer 500 without forwarding;
- ``429:<s>``: answer 429 with ``Retry-After: <s>`` without forwarding;
- ``slow:<s>``: forward, then wait <s> seconds before answering (the caller's timeout may pass);
- ``drop``: close the connection without forwarding or answering;
- ``drop_after``: forward (the target acts), then close the connection without answering;
- ``hold``: forward, then wait until ``release()`` before answering (a worker can be killed meanwhile);
- ``echo_token_500``: answer 500 with the Authorization header in the error text (a careless target).
``always`` faults apply to every call of an action until cleared.
"""
from __future__ import annotations

import http.client
import http.server
import json
import threading
import time
import urllib.parse
from collections import Counter, defaultdict, deque
from typing import Optional


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        self.plans: dict[str, deque[str]] = defaultdict(deque)
        self.always: dict[str, str] = {}
        self.calls: Counter[str] = Counter()  # requests that reached the target, by action
        self.seen: Counter[str] = Counter()  # requests that reached the proxy, by action
        self.held = threading.Event()  # set when a request is being held
        self._release = threading.Event()
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.handle(self)

            def do_POST(self) -> None:
                proxy.handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # --- planning ----------------------------------------------------------------------------

    def plan(self, action: str, *faults: str) -> None:
        with self._lock:
            self.plans[action].extend(faults)

    def reset(self) -> None:
        with self._lock:
            self.plans.clear()
            self.always.clear()
            self.calls.clear()
            self.seen.clear()
        self.held.clear()
        self._release.set()
        self._release = threading.Event()

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def _fault(self, action: str) -> Optional[str]:
        with self._lock:
            self.seen[action] += 1
            if action in self.always:
                return self.always[action]
            if "*" in self.always:
                return self.always["*"]
            return self.plans[action].popleft() if self.plans[action] else None

    # --- one request -------------------------------------------------------------------------

    def handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        action = handler.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        fault = self._fault(action) or ""
        kind, _, argument = fault.partition(":")
        if kind == "500":
            return self._answer(handler, 500, {"success": False, "error": {"message": "Internal Server Error"}})
        if kind == "echo_token_500":
            token = handler.headers.get("Authorization", "")
            return self._answer(handler, 500, {"success": False, "error": {"message": f"bad key {token}"}})
        if kind == "429":
            return self._answer(handler, 429, {"success": False, "error": {"message": "Too Many Requests"}},
                                {"Retry-After": argument or "1"})
        if kind == "drop":
            return self._drop(handler)
        status, headers, answer = self._forward(handler, body)
        if kind == "drop_after":
            return self._drop(handler)
        if kind == "slow":
            time.sleep(float(argument or 1))
        if kind == "hold":
            self.held.set()
            self._release.wait(120)
        self._answer_raw(handler, status, headers, answer)

    def _forward(self, handler: http.server.BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=120)
        headers = {k: v for k, v in handler.headers.items() if k.lower() in ("content-type", "authorization")}
        connection.request(handler.command, handler.path, body=body or None, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        with self._lock:
            self.calls[handler.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]] += 1
        connection.close()
        return response.status, {"Content-Type": response.getheader("Content-Type", "application/json")}, answer

    @staticmethod
    def _drop(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        try:
            handler.connection.shutdown(2)
        except OSError:
            pass

    def _answer(self, handler: http.server.BaseHTTPRequestHandler, status: int, payload: dict,
                headers: Optional[dict[str, str]] = None) -> None:
        self._answer_raw(handler, status, {"Content-Type": "application/json", **(headers or {})},
                         json.dumps(payload).encode())

    @staticmethod
    def _answer_raw(handler: http.server.BaseHTTPRequestHandler, status: int, headers: dict[str, str],
                    body: bytes) -> None:
        try:
            handler.send_response(status)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the caller went away (timed out or was killed)
