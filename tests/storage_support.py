"""Real S3 on loopback for the storage tests: moto's server, a proxy that cuts uploads, and
a stand-in that answers every request with one error exactly as AWS words it.

Imported by the storage test modules (``from storage_support import ...``); the fixtures are
re-exported there so pytest finds them.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ACCESS_KEY = "AKIDCUTOUTTEST0001"
SECRET = "cutout-storage-SECRET-do-not-leak-9f3a"
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint: str

    def client(self, **kw):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET, **kw)

    def set_auth(self, on: bool) -> None:
        """moto's IAM check of every signature (off: it accepts any key, as by default)."""
        import requests

        requests.post(f"{self.endpoint}/moto-api/reset-auth",
                      data=b"0" if on else b"inf").raise_for_status()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield S3Server(f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch) -> S3Server:
    """The standard AWS variables pointing at moto, for this test only."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    return s3_server


@pytest.fixture
def bucket(s3_env, request) -> str:
    """A fresh bucket per test, emptied and deleted afterwards."""
    name = "cutout-" + request.node.name.lower().replace("_", "-")[:40].strip("-") + "-" + \
        os.urandom(3).hex()
    client = s3_env.client()
    client.create_bucket(Bucket=name)
    yield name
    s3_env.set_auth(False)
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


def objects(server: S3Server, bucket: str) -> list[str]:
    return [o["Key"] for o in server.client().list_objects_v2(Bucket=bucket).get("Contents", [])]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CuttingProxy:
    """A TCP proxy to moto that drops the connection after ``cut_after`` bytes of a request
    body have gone through, for the first ``cuts`` connections that send that much (None:
    every one), like a Wi-Fi that dies mid-upload."""

    def __init__(self, target: str, cut_after: int = 1 << 62, cuts: int | None = None) -> None:
        host, port = target.rsplit("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.cut_after, self.cuts_left = cut_after, cuts
        self.cut_count = 0
        self.seen = bytearray()      # every byte a client sent through, to look for secrets
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _should_cut(self) -> bool:
        with self._lock:
            if self.cuts_left is not None and self.cuts_left <= 0:
                return False
            if self.cuts_left is not None:
                self.cuts_left -= 1
            self.cut_count += 1
            return True

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        sent, armed = 0, None
        try:
            while chunk := client.recv(65536):
                sent += len(chunk)
                self.seen += chunk
                if sent > self.cut_after and armed is None:
                    armed = self._should_cut()
                    if armed:
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        client.close()   # an RST, as a dropped network gives
                        upstream.close()
                        return
                upstream.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                try:
                    sock.close()
                except OSError:
                    pass

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


class CannedS3:
    """Answers every request with one S3 error, status, headers and XML body as AWS sends
    them (for refusals moto does not make: clock skew, region, a full bucket)."""

    def __init__(self, status: int, code: str, message: str, extra: str = "",
                 headers: dict[str, str] | None = None) -> None:
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                f"<Message>{message}</Message>{extra}<RequestId>4442587FB7D0A2F9</RequestId>"
                "<HostId>b2F0aGVy</HostId></Error>").encode()
        answer_headers = {"Content-Type": "application/xml", **(headers or {})}
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                outer.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if self.headers.get("Expect", "").lower() == "100-continue":
                    pass  # answer at once, as S3 does when it refuses before the body
                elif length:
                    self.rfile.read(length)
                self.send_response(status)
                for name, value in answer_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0" if self.command == "HEAD"
                                 else str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
