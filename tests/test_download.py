"""Result downloads against a real loopback server: no key, a size cap, and only real images."""

from __future__ import annotations

import io
import socket
import struct
import threading
import zlib
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest
import requests
from PIL import Image

from desktop_app.api.client import HitPawClient
from desktop_app.api.defaults import DownloadLimits
from desktop_app.api.download import download_image
from desktop_app.api.errors import DownloadError, ResultExpiredError

KEY = "hp-TEST-key-9a8b7c-do-not-leak"


class FileServer:
    """Serves whatever ``self.answer`` writes; records the headers of every request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Message]] = []
        self.answer: Callable[[BaseHTTPRequestHandler], None] = lambda h: self.send(h, 404, b"")
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server.seen.append((self.command, self.path, self.headers))
                server.answer(self)

            do_GET = do_POST = _handle

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # client hung up on purpose
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str = "/result.png", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
             content_type: str = "application/octet-stream",
             headers: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def serve(self, body: bytes, status: int = 200, content_type: str = "image/png") -> None:
        self.answer = lambda handler: self.send(handler, status, body, content_type)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = FileServer()
    yield srv
    srv.close()


@pytest.fixture
def session(server):
    """The session of a client that has just used its key, as the job pipeline does."""
    client = HitPawClient(server.url(""), KEY)
    server.answer = lambda h: FileServer.send(
        h, 200, b'{"code": 200, "message": "OK", "data": {"job_id": "j1"}}', "application/json")
    client.submit("https://images.example.com/cat.jpg")
    assert server.seen[-1][2]["Apikey"] == KEY  # the API call did carry it
    server.seen.clear()
    yield client.session
    client.close()


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGBA") -> bytes:
    if fmt == "JPEG":
        mode = "RGB"
    img = Image.new(mode, size, (200, 30, 30, 255)[: len(mode)])
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def assert_no_key_sent(server: FileServer) -> None:
    assert server.seen, "the server was never asked"
    for _method, _path, headers in server.seen:
        assert "Apikey" not in headers
        assert KEY not in str(headers)


def assert_nothing_written(dest: Path) -> None:
    assert not dest.exists()
    assert not dest.with_name(dest.name + ".part").exists()


SMALL = DownloadLimits(max_bytes=100_000, connect_timeout=2.0, read_timeout=2.0)


# -- good images --------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_real_image_is_saved_and_reported_with_its_size(server, session, tmp_path, fmt):
    body = image_bytes(fmt, (64, 48))
    server.serve(body, content_type=f"image/{fmt.lower()}")
    dest = tmp_path / "out" / "cutout.png"

    info = download_image(server.url(), dest, session)

    assert (info.width, info.height) == (64, 48)
    assert info.format == fmt
    assert info.path == dest
    assert dest.read_bytes() == body
    assert not dest.with_name(dest.name + ".part").exists()
    assert_no_key_sent(server)


def test_a_redirect_to_another_host_is_followed_without_the_key(server, session, tmp_path):
    cdn = FileServer()
    try:
        cdn.serve(image_bytes("PNG", (10, 20)))
        server.answer = lambda h: FileServer.send(
            h, 302, b"", "text/plain", {"Location": cdn.url("/final.png", host="localhost")})
        dest = tmp_path / "mask.png"

        info = download_image(server.url("/redirecting.png"), dest, session)

        assert (info.width, info.height) == (10, 20)
        assert dest.exists()
        assert_no_key_sent(server)
        assert_no_key_sent(cdn)
        assert cdn.seen[0][2]["Host"].startswith("localhost")
    finally:
        cdn.close()


# -- expired links and server errors ------------------------------------------------------------
@pytest.mark.parametrize("status", [403, 404, 410])
def test_forbidden_or_gone_means_the_result_expired(server, session, tmp_path, status):
    server.serve(b"<Error><Code>AccessDenied</Code></Error>", status, "application/xml")
    dest = tmp_path / "cutout.png"
    with pytest.raises(ResultExpiredError) as caught:
        download_image(server.url(), dest, session)
    assert "expired" in str(caught.value)
    assert_nothing_written(dest)
    assert_no_key_sent(server)


def test_a_server_error_is_a_download_error_not_expiry(server, session, tmp_path):
    server.serve(b"oops", 500, "text/plain")
    with pytest.raises(DownloadError) as caught:
        download_image(server.url(), tmp_path / "x.png", session)
    assert not isinstance(caught.value, ResultExpiredError)


# -- things that are not (whole) images ---------------------------------------------------------
def test_html_is_not_an_image(server, session, tmp_path):
    server.serve(b"<!doctype html><html><body>Sign in to continue</body></html>",
                 content_type="text/html")
    dest = tmp_path / "cutout.png"
    with pytest.raises(DownloadError) as caught:
        download_image(server.url(), dest, session)
    assert "not an image" in str(caught.value)
    assert_nothing_written(dest)


def test_a_truncated_png_is_refused(server, session, tmp_path):
    whole = Image.effect_noise((256, 256), 64).convert("RGB")
    buf = io.BytesIO()
    whole.save(buf, "PNG")
    server.serve(buf.getvalue()[: len(buf.getvalue()) // 2])
    dest = tmp_path / "cutout.png"
    with pytest.raises(DownloadError):
        download_image(server.url(), dest, session)
    assert_nothing_written(dest)


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    """A PNG of 30000 x 30000 one-bit pixels: about 100 kB that would decode to gigabytes.

    The same image as ``Image.new("1", (30000, 30000)).save(f, "PNG")``, put together by
    hand because Pillow's encoder takes seconds over those 112 MB of zero bits.
    """
    width = height = 30000
    rows = (b"\x00" + bytes((width + 7) // 8)) * 1000  # filter byte 0, then the row's bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(rows) for _ in range(height // 1000)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I",
                                                                        zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale = mode "1"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_refused(server, session, tmp_path, bomb_png):
    assert len(bomb_png) < 1_000_000
    server.serve(bomb_png)
    dest = tmp_path / "cutout.png"
    with pytest.raises(DownloadError) as caught:
        download_image(server.url(), dest, session)
    assert "too large" in str(caught.value)
    assert_nothing_written(dest)


# -- the size cap -------------------------------------------------------------------------------
def test_a_declared_size_over_the_cap_is_not_downloaded(server, session, tmp_path):
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Content-Length", str(SMALL.max_bytes * 50))
        handler.end_headers()
        handler.wfile.write(image_bytes("PNG"))  # then hang up: the client must not wait
        handler.close_connection = True
    server.answer = answer
    dest = tmp_path / "cutout.png"

    with pytest.raises(DownloadError) as caught:
        download_image(server.url(), dest, session, SMALL)

    assert "larger than" in str(caught.value)
    assert_nothing_written(dest)


def test_a_chunked_body_over_the_cap_is_stopped(server, session, tmp_path):
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = image_bytes("PNG") + bytes(64 * 1024)
        try:
            for _ in range(200):  # about 13 MB, far past the 100 kB cap
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up, as it should
        handler.close_connection = True
    server.answer = answer
    dest = tmp_path / "cutout.png"

    with pytest.raises(DownloadError) as caught:
        download_image(server.url(), dest, session, SMALL)

    assert "larger than" in str(caught.value)
    assert_nothing_written(dest)


# -- links that are not web links ---------------------------------------------------------------
@pytest.mark.parametrize("url", ["ftp://files.example.com/cutout.png", "file:///etc/passwd",
                                 "javascript:alert(1)"])
def test_only_http_links_are_opened(session, tmp_path, url):
    dest = tmp_path / "cutout.png"
    with pytest.raises(DownloadError) as caught:
        download_image(url, dest, session)
    assert "not a web link" in str(caught.value)
    assert_nothing_written(dest)


def test_a_dropped_connection_is_a_download_error(server, session, tmp_path):
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)
    server.answer = answer
    dest = tmp_path / "cutout.png"
    with pytest.raises(DownloadError):
        download_image(server.url(), dest, session, SMALL)
    assert_nothing_written(dest)


def test_a_fresh_session_works_too(server, tmp_path):
    server.serve(image_bytes("PNG", (3, 4)))
    with requests.Session() as plain:
        info = download_image(server.url(), tmp_path / "a.png", plain)
    assert (info.width, info.height) == (3, 4)
    assert_no_key_sent(server)
