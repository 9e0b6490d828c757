"""The sandbox speaks the contract: real HTTP over loopback with requests, no mocks.

The rest of the suite trusts the sandbox to behave like the vendor, faults included, so
each behaviour the other tests rely on is pinned here.
"""

from __future__ import annotations

import io
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from desktop_app.sandbox import Fault, SandboxServer
from desktop_app.sandbox.segment import segment

KEY = "sandbox-key"
PROCESSING = 0.2
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(processing_time=PROCESSING) as server:
        yield server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # a proxy from the environment must not intercept loopback
        yield session


def submit(
    server: SandboxServer, http: requests.Session, file_url: str, key: str | None = KEY
) -> requests.Response:
    headers = {"Apikey": key} if key is not None else {}
    return http.post(
        f"{server.base_url}/api/image-segmentation", json={"file_url": file_url}, headers=headers, timeout=15
    )


def poll(server: SandboxServer, http: requests.Session, job_id: Any, key: str = KEY) -> requests.Response:
    return http.post(
        f"{server.base_url}/api/task-status", json={"job_id": job_id}, headers={"Apikey": key}, timeout=15
    )


def submit_job(server: SandboxServer, http: requests.Session, name: str = "portrait.png") -> str:
    answer = submit(server, http, server.sample_url(name))
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["job_id"]


def wait_until_finished(
    server: SandboxServer, http: requests.Session, job_id: str, limit: float = 10.0
) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        data = poll(server, http, job_id).json()["data"]
        if data["status"] != "CONVERTING":
            return data
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still CONVERTING after {limit} s")


def completed_job(server: SandboxServer, http: requests.Session) -> dict:
    data = wait_until_finished(server, http, submit_job(server, http))
    assert data["status"] == "COMPLETED"
    return data


def assert_error(answer: requests.Response, code: int, http_status: int, message: str) -> None:
    assert answer.status_code == http_status, answer.text
    assert answer.json() == {"code": code, "message": message, "data": None}


# --- the happy path ---------------------------------------------------------------------------


def test_job_completes_with_a_transparent_background_cutout_and_a_mask(sandbox, http):
    answer = submit(sandbox, http, sandbox.sample_url("portrait.png"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == 200 and body["message"] == "OK"
    assert body["data"]["consume_coins"] == 20
    job_id = body["data"]["job_id"]

    data = wait_until_finished(sandbox, http, job_id)
    assert data["status"] == "COMPLETED" and data["job_id"] == job_id
    files = f"{sandbox.base_url}/files/{job_id}"
    assert (data["res_url"], data["mask_url"], data["original_url"]) == (
        f"{files}/cutout.png",
        f"{files}/mask.png",
        f"{files}/original.png",
    )

    cutout_answer = http.get(data["res_url"], timeout=5)
    assert cutout_answer.headers["Content-Type"] == "image/png"
    assert int(cutout_answer.headers["Content-Length"]) == len(cutout_answer.content)
    cutout = Image.open(io.BytesIO(cutout_answer.content))
    assert cutout.mode == "RGBA" and cutout.size == (800, 600)
    for corner in ((0, 0), (799, 0), (0, 599), (799, 599)):
        assert cutout.getpixel(corner)[3] == 0
    assert cutout.getpixel((400, 300))[3] == 255

    mask = Image.open(io.BytesIO(http.get(data["mask_url"], timeout=5).content))
    assert mask.mode == "L" and mask.getpixel((0, 0)) == 0 and mask.getpixel((400, 300)) == 255
    original = http.get(data["original_url"], timeout=5).content
    assert original == http.get(sandbox.sample_url("portrait.png"), timeout=5).content

    stats = sandbox.stats
    assert (stats.submits, stats.jobs_created, stats.downloads) == (1, 1, 2)
    assert stats.polls == stats.polls_by_job[job_id] >= 1
    assert stats.downloads_by_job == {job_id: 2}


def test_a_job_stays_converting_for_the_processing_time(sandbox, http):
    sandbox.processing_time = 0.6
    submitted = time.time()
    job_id = submit_job(sandbox, http)
    data = poll(sandbox, http, job_id).json()["data"]
    assert data["status"] == "CONVERTING"
    assert "res_url" not in data and "mask_url" not in data
    assert http.get(f"{sandbox.base_url}/files/{job_id}/cutout.png", timeout=5).status_code == 404
    assert sandbox.completed_at(job_id) is None

    assert wait_until_finished(sandbox, http, job_id)["status"] == "COMPLETED"
    done = sandbox.completed_at(job_id)
    assert done is not None and done - submitted >= 0.6


def test_original_url_keeps_the_input_format(sandbox, http):
    job_id = submit_job(sandbox, http, "product.jpg")
    data = poll(sandbox, http, job_id).json()["data"]
    assert data["original_url"].endswith("/original.jpg")
    answer = http.get(data["original_url"], timeout=5)
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(answer.content)).format == "JPEG"


# --- the contract's errors --------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_submit_without_a_valid_key_is_refused_and_not_charged(sandbox, http, key):
    answer = submit(sandbox, http, sandbox.sample_url("portrait.png"), key=key)
    assert_error(answer, 110400000, 400, "api_key is not valid")
    assert (sandbox.stats.submits, sandbox.stats.jobs_created) == (1, 0)


def test_status_checks_the_key_before_the_job(sandbox, http):
    job_id = submit_job(sandbox, http)
    assert_error(poll(sandbox, http, job_id, key="wrong-key"), 110400000, 400, "api_key is not valid")


@pytest.mark.parametrize(
    "url",
    [
        "{base}/samples/not-an-image.png",
        "{base}/samples/portrait.gif",  # 404
        "http://127.0.0.1:9/portrait.png",  # nothing listens on the discard port
        "ftp://127.0.0.1/portrait.png",
        "file:///etc/hosts",
        "not a url",
    ],
)
def test_unusable_file_urls_are_invalid_url(sandbox, http, url):
    answer = submit(sandbox, http, url.format(base=sandbox.base_url))
    assert_error(answer, 100400001, 400, "Invalid URL")
    assert sandbox.stats.jobs_created == 0


def _png_bytes(image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format=image_format)
    return buffer.getvalue()


class _OriginHandler(BaseHTTPRequestHandler):
    """Answers the sandbox's own samples cannot: an image with a 404, a GIF."""

    routes: ClassVar[dict[str, tuple[int, str]]] = {
        "/gone.png": (404, "PNG"),
        "/picture.gif": (200, "GIF"),
        "/fine.png": (200, "PNG"),
    }

    def do_GET(self) -> None:
        status, image_format = self.routes[self.path]
        body = _png_bytes(image_format)
        self.send_response(status)
        self.send_header("Content-Type", f"image/{image_format.lower()}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OriginHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_file_url_must_answer_2xx_with_an_accepted_format(sandbox, http, origin):
    assert submit(sandbox, http, f"{origin}/fine.png").json()["code"] == 200
    assert_error(submit(sandbox, http, f"{origin}/gone.png"), 100400001, 400, "Invalid URL")
    assert_error(submit(sandbox, http, f"{origin}/picture.gif"), 100400001, 400, "Invalid URL")
    assert sandbox.stats.jobs_created == 1


def test_file_url_redirects_are_followed(sandbox, http):
    sandbox.add_fault(Fault("file", "redirect", location=sandbox.sample_url("moved.jpg")))
    answer = submit(sandbox, http, f"{sandbox.base_url}/files/somewhere/photo.jpg")
    assert answer.json()["code"] == 200
    original_url = poll(sandbox, http, answer.json()["data"]["job_id"]).json()["data"]["original_url"]
    assert original_url.endswith("/original.jpg")


@pytest.mark.parametrize("body", [b"not json", b"[]", b"{}", b'{"file_url": 42}', b'{"file_url": ""}'])
def test_a_malformed_submit_body_is_bad_request(sandbox, http, body):
    answer = http.post(
        f"{sandbox.base_url}/api/image-segmentation",
        data=body,
        headers={"Apikey": KEY, "Content-Type": "application/json"},
        timeout=5,
    )
    assert_error(answer, 100400002, 400, "Bad Request")


@pytest.mark.parametrize("job_id", ["f5007c0b-e902-4070-8c75-f337d896168f", 42, None])
def test_an_unknown_job_is_bad_request(sandbox, http, job_id):
    assert_error(poll(sandbox, http, job_id), 100400002, 400, "Bad Request")


def test_jobs_expire_after_the_result_ttl(sandbox, http):
    data = completed_job(sandbox, http)
    sandbox.result_ttl = 0.0
    time.sleep(0.01)
    assert_error(poll(sandbox, http, data["job_id"]), 100400002, 400, "Bad Request")
    assert http.get(data["res_url"], timeout=5).status_code == 404


def test_unknown_paths_are_404_and_wrong_methods_405(sandbox, http):
    missing = http.get(f"{sandbox.base_url}/nothing/here", timeout=5)
    assert missing.status_code == 404 and missing.json()["data"] is None
    wrong = http.get(f"{sandbox.base_url}/api/task-status", timeout=5)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    assert wrong.json()["code"] == 405


# --- samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "pil_format"), [("a.png", "PNG"), ("b.jpg", "JPEG"), ("c.jpeg", "JPEG"), ("d.webp", "WEBP")]
)
def test_samples_are_deterministic_in_the_asked_format_and_size(sandbox, http, name, pil_format):
    url = f"{sandbox.sample_url(name)}?w=320&h=200"
    first, second = http.get(url, timeout=5), http.get(url, timeout=5)
    assert first.status_code == 200 and first.content == second.content
    image = Image.open(io.BytesIO(first.content))
    assert image.format == pil_format and image.size == (320, 200)
    assert first.headers["Content-Type"] == Image.MIME[pil_format]
    # A clearly different subject in the middle of a plain background.
    corner, centre = image.convert("RGB").getpixel((2, 2)), image.convert("RGB").getpixel((160, 100))
    assert max(abs(a - b) for a, b in zip(corner, centre, strict=True)) > 60


def test_sample_helpers_and_limits(sandbox, http):
    assert sandbox.sample_url("portrait.png") == f"{sandbox.base_url}/samples/portrait.png"
    capped = Image.open(io.BytesIO(http.get(sandbox.sample_url("wide.png", 9000, 10), timeout=10).content))
    assert capped.size == (8000, 10)
    assert http.get(sandbox.sample_url("x.png", 0, 10), timeout=5).status_code == 400
    assert http.get(sandbox.sample_url("x.bmp"), timeout=5).status_code == 404
    not_image = http.get(sandbox.sample_url("not-an-image.png"), timeout=5)
    assert (not_image.status_code, not_image.text) == (200, "hello")
    assert not_image.headers["Content-Type"].startswith("text/plain")


# --- faults on the API endpoints --------------------------------------------------------------


def test_code_fault_in_body_style_answers_http_200_then_is_used_up(sandbox, http):
    sandbox.add_fault(Fault("submit", "code", code=110402000, http_style=False))
    answer = submit(sandbox, http, sandbox.sample_url("portrait.png"))
    assert_error(answer, 110402000, 200, "The coins are not enough")
    assert sandbox.stats.jobs_created == 0
    assert submit(sandbox, http, sandbox.sample_url("portrait.png")).json()["code"] == 200
    assert (sandbox.stats.submits, sandbox.stats.jobs_created) == (2, 1)


@pytest.mark.parametrize(
    ("code", "http_status", "message"),
    [
        (100401000, 401, "Token is expired"),
        (110402000, 402, "The coins are not enough"),
        (100500000, 500, "Internal error"),
        (123, 400, "Something odd"),
    ],
)
def test_code_fault_in_http_style_uses_the_contract_table(sandbox, http, code, http_status, message):
    sandbox.add_fault(Fault("status", "code", code=code))
    job_id = submit_job(sandbox, http)
    assert_error(poll(sandbox, http, job_id), code, http_status, message)
    assert poll(sandbox, http, job_id).status_code == 200


def test_fault_message_override_match_and_times(sandbox, http):
    sandbox.add_fault(
        Fault("submit", "code", code=100400000, message="Plan too small", times=2, match="special")
    )
    assert submit(sandbox, http, sandbox.sample_url("portrait.png")).status_code == 200
    for _ in range(2):
        assert_error(
            submit(sandbox, http, sandbox.sample_url("special.png")), 100400000, 400, "Plan too small"
        )
    assert submit(sandbox, http, sandbox.sample_url("special.png")).status_code == 200


def test_faults_apply_in_the_order_added_and_clear(sandbox, http):
    sandbox.add_fault(Fault("submit", "code", code=100500000, times=None))
    sandbox.add_fault(Fault("submit", "code", code=110400000, times=None))
    for _ in range(3):
        assert submit(sandbox, http, sandbox.sample_url("portrait.png")).json()["code"] == 100500000
    sandbox.clear_faults()
    assert submit(sandbox, http, sandbox.sample_url("portrait.png")).json()["code"] == 200


def test_drop_after_charge_creates_a_job_but_loses_the_answer(sandbox, http):
    sandbox.add_fault(Fault("submit", "drop_after_charge"))
    with pytest.raises(requests.ConnectionError):
        submit(sandbox, http, sandbox.sample_url("portrait.png"))
    assert (sandbox.stats.submits, sandbox.stats.jobs_created) == (1, 1)


def test_drop_closes_without_an_answer_and_charges_nothing(sandbox, http):
    sandbox.add_fault(Fault("submit", "drop"))
    with pytest.raises(requests.ConnectionError):
        submit(sandbox, http, sandbox.sample_url("portrait.png"))
    assert (sandbox.stats.submits, sandbox.stats.jobs_created) == (1, 0)
    assert submit(sandbox, http, sandbox.sample_url("portrait.png")).status_code == 200


@pytest.mark.parametrize(
    ("kind", "status", "check"),
    [
        ("http500_html", 500, lambda r: r.text.startswith("<!DOCTYPE html>")),
        ("non_json", 200, lambda r: r.headers["Content-Type"].startswith("text/plain")),
        ("truncated_json", 200, lambda r: r.text == '{"code": 200, "da'),
        ("missing_fields", 200, lambda r: r.json() == {"code": 200, "message": "OK", "data": {}}),
    ],
)
def test_broken_answer_faults(sandbox, http, kind, status, check):
    sandbox.add_fault(Fault("submit", kind))
    answer = submit(sandbox, http, sandbox.sample_url("portrait.png"))
    assert answer.status_code == status and check(answer)
    assert (sandbox.stats.submits, sandbox.stats.jobs_created) == (1, 0)


def test_slow_fault_delays_then_answers_normally(sandbox, http):
    job_id = submit_job(sandbox, http)
    sandbox.add_fault(Fault("status", "slow", delay=0.5))
    started = time.monotonic()
    assert poll(sandbox, http, job_id).json()["code"] == 200
    assert time.monotonic() - started >= 0.5


def test_redirect_fault_points_elsewhere(sandbox, http):
    sandbox.add_fault(Fault("status", "redirect", location="http://example.invalid/moved"))
    answer = http.post(
        f"{sandbox.base_url}/api/task-status",
        json={},
        headers={"Apikey": KEY},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "http://example.invalid/moved"


def test_stuck_job_stays_converting_and_error_job_reports_error(sandbox, http):
    stuck, broken = submit_job(sandbox, http), submit_job(sandbox, http)
    sandbox.add_fault(Fault("status", "stuck", match=stuck))
    sandbox.add_fault(Fault("status", "job_error", match=broken))
    assert poll(sandbox, http, stuck).json()["data"]["status"] == "CONVERTING"
    assert poll(sandbox, http, broken).json()["data"]["status"] == "ERROR"
    time.sleep(PROCESSING + 0.3)
    assert (
        poll(sandbox, http, stuck).json()["data"]["status"] == "CONVERTING"
    )  # the fault was used up, not the state
    data = poll(sandbox, http, broken).json()["data"]
    assert data["status"] == "ERROR" and "res_url" not in data
    assert sandbox.completed_at(stuck) is None and sandbox.completed_at(broken) is None


def test_unknown_status_fault_answers_a_status_outside_the_contract(sandbox, http):
    job_id = submit_job(sandbox, http)
    sandbox.add_fault(Fault("status", "unknown_status"))
    assert poll(sandbox, http, job_id).json()["data"]["status"] == "QUEUEING"
    assert sandbox.stats.polls == 1


def test_impossible_faults_are_refused_when_armed():
    with pytest.raises(ValueError):
        Fault("submit", "stuck")
    with pytest.raises(ValueError):
        Fault("status", "huge")
    with pytest.raises(ValueError):
        Fault("submit", "code")  # no code
    with pytest.raises(ValueError):
        Fault("upload", "drop")


# --- result files -----------------------------------------------------------------------------


def test_expired_results_answer_404_for_that_job_only(sandbox, http):
    first, second = completed_job(sandbox, http), completed_job(sandbox, http)
    sandbox.expire_results(first["job_id"])
    assert http.get(first["res_url"], timeout=5).status_code == 404
    assert http.get(first["mask_url"], timeout=5).status_code == 404
    assert http.get(second["res_url"], timeout=5).status_code == 200
    sandbox.expire_results()
    assert http.get(second["mask_url"], timeout=5).status_code == 404
    with pytest.raises(KeyError):
        sandbox.expire_results("no-such-job")


@pytest.mark.parametrize(("kind", "status"), [("expired_403", 403), ("expired_404", 404)])
def test_expired_file_faults(sandbox, http, kind, status):
    data = completed_job(sandbox, http)
    sandbox.add_fault(Fault("file", kind, match="cutout"))
    assert http.get(data["mask_url"], timeout=5).status_code == 200
    assert http.get(data["res_url"], timeout=5).status_code == status
    assert http.get(data["res_url"], timeout=5).status_code == 200
    assert sandbox.stats.downloads == 3  # faulted requests count too


def test_redirect_to_another_host_is_served_there(sandbox, http):
    data = completed_job(sandbox, http)
    sandbox.add_fault(Fault("file", "redirect_other_host", times=None))
    answer = http.get(data["res_url"], timeout=5)
    assert answer.status_code == 200
    assert [hop.status_code for hop in answer.history] == [302]
    assert urlsplit(answer.url).hostname == "localhost" and urlsplit(answer.url).port == sandbox.port
    assert Image.open(io.BytesIO(answer.content)).mode == "RGBA"
    hosts = [headers["Host"] for headers in sandbox.stats.file_request_headers]
    assert hosts == [f"127.0.0.1:{sandbox.port}", f"localhost:{sandbox.port}"]


def test_file_requests_record_their_headers(sandbox, http):
    data = completed_job(sandbox, http)
    http.get(data["res_url"], timeout=5)
    http.get(data["mask_url"], headers={"apikey": "leaked"}, timeout=5)
    clean, leaky = sandbox.stats.file_request_headers
    assert "Apikey" not in clean
    assert leaky["Apikey"] == "leaked"  # case-insensitive, so a leak in any spelling shows


def test_corrupt_file_faults(sandbox, http):
    data = completed_job(sandbox, http)
    real = http.get(data["res_url"], timeout=5).content

    sandbox.add_fault(Fault("file", "not_image"))
    answer = http.get(data["res_url"], timeout=5)
    assert answer.headers["Content-Type"] == "image/png" and answer.content.startswith(b"<!DOCTYPE html>")

    sandbox.add_fault(Fault("file", "truncated_image"))
    answer = http.get(data["res_url"], timeout=5)
    assert answer.content == real[: len(real) // 2]
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    with pytest.raises(OSError):
        Image.open(io.BytesIO(answer.content)).load()

    sandbox.add_fault(Fault("file", "bomb"))
    answer = http.get(data["res_url"], timeout=10)
    assert len(answer.content) < 1_000_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(answer.content))


def test_huge_file_fault_promises_200_mb_and_stops_when_the_client_leaves(sandbox, http):
    data = completed_job(sandbox, http)
    sandbox.add_fault(Fault("file", "huge"))
    with http.get(data["mask_url"], stream=True, timeout=5) as answer:
        assert int(answer.headers["Content-Length"]) == 200 * 1024 * 1024
        first = next(answer.iter_content(chunk_size=1024 * 1024))
        assert first == bytes(len(first))
    assert http.get(data["mask_url"], timeout=5).status_code == 200


# --- lifecycle and the command line -----------------------------------------------------------


def test_stop_is_quick_and_cuts_kept_alive_connections(http):
    server = SandboxServer(processing_time=PROCESSING).start()
    base = server.base_url
    assert http.get(server.sample_url("p.png"), timeout=5).status_code == 200  # leaves a pooled connection
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    with pytest.raises(requests.ConnectionError):
        http.get(f"{base}/samples/p.png", timeout=5)
    server.start()  # and it can come back on the same port
    try:
        assert server.base_url == base
        assert http.get(f"{base}/samples/p.png", timeout=5).status_code == 200
    finally:
        server.stop()


def test_segment_keeps_the_subject_and_any_existing_transparency():
    # the app's own engine (the real model) cuts out; the sandbox keeps the input's holes
    image = Image.new("RGBA", (300, 200), (240, 240, 240, 255))
    image.paste((20, 60, 160, 255), (100, 50, 200, 150))
    image.paste((20, 60, 160, 0), (140, 90, 160, 110))  # a hole the input already had
    cutout, mask = segment(image)
    assert cutout.size == mask.size == (300, 200)
    assert mask.getpixel((5, 5)) < 16 and mask.getpixel((110, 60)) > 224
    assert mask.getpixel((150, 100)) == 0 and cutout.getpixel((150, 100))[3] == 0
    assert cutout.getchannel("A").tobytes() == mask.tobytes()


def _read_line(process: subprocess.Popen, limit: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], limit)
    assert ready, "the sandbox printed nothing"
    return process.stdout.readline()


def test_cli_prints_its_urls_serves_and_stops_cleanly_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop_app.sandbox",
            "--port",
            "0",
            "--key",
            "k1",
            "--key",
            "k2",
            "--coins",
            "7",
            "--processing-time",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(process, 20)
        base = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert base is not None, line
        assert "k1" in line and "k2" in line and line.count("/samples/") == 3
        with requests.Session() as session:
            session.trust_env = False
            answer = session.post(
                f"{base.group(0)}/api/image-segmentation",
                json={"file_url": f"{base.group(0)}/samples/portrait.png"},
                headers={"Apikey": "k2"},
                timeout=10,
            )
        assert answer.json()["data"]["consume_coins"] == 7
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None and "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
