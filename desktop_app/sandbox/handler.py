"""The sandbox's HTTP surface: routing, the vendor's envelope, and rendering faults.

Everything that is about bytes on the wire lives here (status lines, bodies, dropped
sockets, endless streams); what the answers mean lives in :mod:`desktop_app.sandbox.state`.
Every request is counted before any fault decides its fate, so tests can tell a request
that was lost from one that never left the client.
"""

from __future__ import annotations

import json
import logging
import re
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from desktop_app.sandbox.faults import Fault
from desktop_app.sandbox.samples import (
    DEFAULT_SIZE,
    MAX_SIDE,
    NOT_AN_IMAGE,
    NOT_IMAGE_HTML,
    bomb_png,
    extension_of,
)
from desktop_app.sandbox.state import BAD_REQUEST, Reply, envelope, error_reply

if TYPE_CHECKING:
    from desktop_app.sandbox.server import SandboxHTTPServer

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
HUGE_FILE_BYTES = 200 * 1024 * 1024
_HUGE_CHUNK = bytes(64 * 1024)

_ROUTES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^/api/image-segmentation/?$"), "POST", "_submit"),
    (re.compile(r"^/api/task-status/?$"), "POST", "_status"),
    (re.compile(r"^/files/(?P<job_id>[^/]+)/(?P<name>[^/]+)$"), "GET", "_file"),
    (re.compile(r"^/samples/(?P<name>[^/]+)$"), "GET", "_sample"),
)

_HTML_500 = (
    b"<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n"
    b"<body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>\n"
)
_XML_403 = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>\n"
)
_XML_404 = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>\n"
)


class SandboxHandler(BaseHTTPRequestHandler):
    """One connection's requests. HTTP/1.1 with keep-alive, like the real service's front end."""

    protocol_version = "HTTP/1.1"
    server_version = "CutoutSandbox/1.0"
    timeout = 30  # idle keep-alive connections and stalled readers are let go after this
    # Headers and body go out in two writes; with Nagle's algorithm on, the body then waits
    # for the client's delayed ACK (about 40 ms on Linux) on every kept-alive request, a
    # stall no real front end has and one that would swamp the client's own figures.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s: " + format, self.address_string(), *args)

    # --- routing -------------------------------------------------------------------------

    def _dispatch(self) -> None:
        body = self._read_body()
        if body is None:
            return
        parts = urlsplit(self.path)
        for pattern, method, action in _ROUTES:
            found = pattern.match(parts.path)
            if found is None:
                continue
            if self.command != method:
                self._send_json(405, envelope(405, "Method Not Allowed"), {"Allow": method})
                return
            getattr(self, action)(parts, body, **found.groupdict())
            return
        self._send_json(404, envelope(404, "Not Found"))

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering a body we refuse to read."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._send_json(411, envelope(BAD_REQUEST, "Length Required"))
            return None
        declared = self.headers.get("Content-Length", "0").strip() or "0"
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            self.close_connection = True  # the unread body would poison the connection
            self._send_json(400, envelope(BAD_REQUEST, "Bad Request"))
            return None
        return self.rfile.read(int(declared))

    # --- the API endpoints ---------------------------------------------------------------

    def _submit(self, parts: SplitResult, body: bytes) -> None:
        state = self.server.state
        payload = _json_or_none(body)
        file_url = payload.get("file_url") if isinstance(payload, dict) else None
        state.count_submit()
        fault = state.take_fault("submit", file_url if isinstance(file_url, str) else "")
        drop_answer = fault is not None and fault.kind == "drop_after_charge"
        if fault is not None and not drop_answer and self._render_generic(fault):
            return
        reply = state.submit(self.headers.get("Apikey"), payload)
        if drop_answer:
            self._drop()  # the job exists and is charged; the client never hears of it
            return
        self._send_reply(reply)

    def _status(self, parts: SplitResult, body: bytes) -> None:
        state = self.server.state
        payload = _json_or_none(body)
        job_id = payload.get("job_id") if isinstance(payload, dict) else None
        job_id = job_id if isinstance(job_id, str) else None
        state.count_poll(job_id)
        fault = state.take_fault("status", job_id or "")
        override = None
        if fault is not None:
            if fault.kind == "stuck" and job_id:
                state.mark_stuck(job_id)
            elif fault.kind == "job_error" and job_id:
                state.mark_error(job_id)
            elif fault.kind == "unknown_status":
                override = "QUEUEING"
            elif self._render_generic(fault):
                return
        self._send_reply(state.status(self.headers.get("Apikey"), payload, override))

    # --- files ---------------------------------------------------------------------------

    def _file(self, parts: SplitResult, body: bytes, job_id: str, name: str) -> None:
        state = self.server.state
        job_id, name = unquote(job_id), unquote(name)
        state.count_file_request(job_id, name, dict(self.headers.items()))
        # The redirected request must be served, or a fault armed "forever" would loop.
        on_alias = self._request_host() == "localhost"
        exclude = frozenset({"redirect_other_host"}) if on_alias else frozenset()
        fault = state.take_fault("file", parts.path, exclude)
        if fault is not None and (
            self._render_file_fault(fault, job_id, name) or self._render_generic(fault)
        ):
            return
        found = state.file(job_id, name)
        if found is None:
            self._send_json(404, envelope(404, "Not Found"))
            return
        data, content_type = found
        self._send(200, data, content_type)

    def _render_file_fault(self, fault: Fault, job_id: str, name: str) -> bool:
        """Answer a file-only fault; False if ``fault`` is not one."""
        kind = fault.kind
        if kind == "expired_403":
            self._send(403, _XML_403, "application/xml")
        elif kind == "expired_404":
            self._send(404, _XML_404, "application/xml")
        elif kind == "not_image":
            self._send(200, NOT_IMAGE_HTML, "image/png")
        elif kind == "truncated_image":
            found = self.server.state.file(job_id, name)
            data = found[0] if found else self.server.samples.get("portrait.png", *DEFAULT_SIZE)[0]
            self._send(200, data[: len(data) // 2], "image/png")
        elif kind == "bomb":
            self._send(200, bomb_png(), "image/png")
        elif kind == "huge":
            self._stream_huge()
        elif kind == "redirect_other_host":
            _, port = self.server.server_address[:2]
            self._send(302, b"", "text/plain", {"Location": f"http://localhost:{port}{self.path}"})
        else:
            return False
        return True

    def _stream_huge(self) -> None:
        """Promise 200 MB of zeros and keep sending until done, stopped, or the client leaves."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(HUGE_FILE_BYTES))
        self.end_headers()
        sent = 0
        stopping = self.server.state.stopping
        try:
            while sent < HUGE_FILE_BYTES and not stopping.is_set():
                chunk = _HUGE_CHUNK[: HUGE_FILE_BYTES - sent]
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:  # broken pipe, reset or timeout: the client gave up, as it should
            pass

    # --- samples -------------------------------------------------------------------------

    def _sample(self, parts: SplitResult, body: bytes, name: str) -> None:
        name = unquote(name)
        if name == NOT_AN_IMAGE:
            self._send(200, b"hello", "text/plain")
            return
        if extension_of(name) is None:
            self._send_json(404, envelope(404, "Not Found"))
            return
        query = parse_qs(parts.query)
        try:
            width = _side(query, "w", DEFAULT_SIZE[0])
            height = _side(query, "h", DEFAULT_SIZE[1])
        except ValueError:
            self._send_reply(error_reply(BAD_REQUEST))
            return
        data, content_type = self.server.samples.get(name, width, height)
        self._send(200, data, content_type)

    # --- answering -----------------------------------------------------------------------

    def _render_generic(self, fault: Fault) -> bool:
        """Answer a fault any endpoint can have; False if the request should go on normally."""
        kind = fault.kind
        if kind == "code":
            assert fault.code is not None  # Fault checks this when armed
            self._send_reply(error_reply(fault.code, fault.error_message(), fault.error_http_status()))
        elif kind == "http500_html":
            self._send(500, _HTML_500, "text/html; charset=utf-8")
        elif kind == "non_json":
            self._send(200, b"Service is busy, please try again later.\n", "text/plain; charset=utf-8")
        elif kind == "truncated_json":
            self._send(200, b'{"code": 200, "da', "application/json")
        elif kind == "missing_fields":
            self._send_json(200, {"code": 200, "message": "OK", "data": {}})
        elif kind == "drop":
            self._drop()
        elif kind == "redirect":
            self._send(302, b"", "text/plain", {"Location": fault.location or "/"})
        elif kind == "slow":
            self.server.state.stopping.wait(fault.delay)
            return False
        else:
            return False
        return True

    def _drop(self) -> None:
        """Close the connection without a single byte of answer."""
        self.close_connection = True

    def _send_reply(self, reply: Reply) -> None:
        self._send_json(reply.http_status, reply.body)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json", headers)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _request_host(self) -> str:
        host = self.headers.get("Host", "")
        return (urlsplit(f"//{host}").hostname or "").lower()


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # includes bad UTF-8
        return None


def _side(query: dict[str, list[str]], key: str, default: int) -> int:
    """A sample's width or height from the query, capped at MAX_SIDE; ValueError if not positive."""
    values = query.get(key)
    if not values:
        return default
    side = int(values[-1])
    if side < 1:
        raise ValueError(f"{key} must be positive")
    return min(side, MAX_SIDE)
