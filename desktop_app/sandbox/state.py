"""What the sandbox knows: jobs, counters and armed faults, behind one lock.

The HTTP handler threads, the segmentation threads and the test thread all touch this
state; a single lock keeps it simple to reason about. Slow work (fetching a file_url,
segmenting, encoding) always happens outside the lock.
"""

from __future__ import annotations

import copy
import hashlib
import io
import ipaddress
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from PIL import Image, ImageOps
from requests.structures import CaseInsensitiveDict

from desktop_app.sandbox.faults import Fault, FaultBook, http_status_for, message_for
from desktop_app.sandbox.samples import encode_png
from desktop_app.sandbox.segment import segment

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 10.0
FETCH_MAX_BYTES = 60 * 1024 * 1024
#: Pillow format -> (extension used in original_url, content type).
ACCEPTED_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}

OK = 200
BAD_REQUEST = 100400002
INVALID_URL = 100400001
INVALID_KEY = 110400000


@dataclass
class SandboxStats:
    """A snapshot of what the sandbox has seen, for assertions in tests and benchmarks.

    ``file_request_headers`` holds one case-insensitive mapping per /files/ request, so
    ``"apikey" in headers`` works whatever case the client used.
    """

    submits: int = 0
    jobs_created: int = 0
    polls: int = 0
    downloads: int = 0
    polls_by_job: dict[str, int] = field(default_factory=dict)
    downloads_by_job: dict[str, int] = field(default_factory=dict)
    file_request_headers: list[CaseInsensitiveDict] = field(default_factory=list)


@dataclass
class Reply:
    """An answer in the vendor's envelope, with its HTTP status."""

    http_status: int
    body: dict[str, Any]


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    """The vendor's answer shape: every answer carries code, message and data."""
    return {"code": code, "message": message, "data": data}


def error_reply(code: int, message: str | None = None, http_status: int | None = None) -> Reply:
    """An error envelope, by default with the contract's HTTP status for that code."""
    status = http_status if http_status is not None else http_status_for(code)
    return Reply(status, envelope(code, message if message is not None else message_for(code)))


@dataclass
class Job:
    """One charged job and its files. Times are ``time.time()`` values."""

    job_id: str
    ready_at: float  # submit time + the processing time in force then
    original: bytes
    original_ext: str
    original_type: str
    cutout_png: bytes | None = None
    mask_png: bytes | None = None
    segmented_at: float | None = None
    failed: bool = False
    stuck: bool = False
    forced_error: bool = False
    expired: bool = False

    def status(self, now: float) -> str:
        """CONVERTING until both the processing time has passed and the result exists."""
        if self.forced_error:
            return "ERROR"
        if self.stuck or self.segmented_at is None or now < self.ready_at:
            return "CONVERTING"
        return "ERROR" if self.failed else "COMPLETED"

    def completed_at(self) -> float | None:
        """When the job turned (or will turn) COMPLETED, or None if it never will."""
        if self.forced_error or self.stuck or self.failed or self.segmented_at is None:
            return None
        return max(self.ready_at, self.segmented_at)


class ResultCache:
    """Encoded (cut-out, mask) PNGs by the SHA-256 of the input bytes, least recent out first.

    The segmentation is deterministic, so the same input bytes always give the same result:
    a batch of fifty links to one 24-megapixel photo costs one segmentation, not fifty, and
    the sandbox's CPU stays out of benchmarks of the app. Bounded by total bytes.
    """

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict[bytes, tuple[bytes, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(original: bytes) -> bytes:
        return hashlib.sha256(original).digest()

    def get(self, key: bytes) -> tuple[bytes, bytes] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: bytes, result: tuple[bytes, bytes]) -> None:
        size = len(result[0]) + len(result[1])
        if size > self._max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0]) + len(old[1])
            self._items[key] = result
            self._bytes += size
            while self._bytes > self._max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped[0]) + len(dropped[1])


class FetchError(Exception):
    """The file_url could not be turned into an accepted image (the vendor's Invalid URL)."""


def fetch_image(url: str) -> tuple[bytes, str]:
    """Download ``url`` as the real service would: bytes and Pillow format, or FetchError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("only http and https URLs are fetched")
    with requests.Session() as session:
        # A proxy from the environment must not swallow requests to this very machine.
        session.trust_env = not _is_loopback(parts.hostname)
        try:
            with session.get(url, timeout=FETCH_TIMEOUT, stream=True, allow_redirects=True) as answer:
                if not 200 <= answer.status_code < 300:
                    raise FetchError(f"HTTP {answer.status_code}")
                declared = answer.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > FETCH_MAX_BYTES:
                    raise FetchError("file too large")
                data = bytearray()
                for chunk in answer.iter_content(chunk_size=256 * 1024):
                    data += chunk
                    if len(data) > FETCH_MAX_BYTES:
                        raise FetchError("file too large")
        except requests.RequestException as exc:
            raise FetchError(f"unreachable: {exc.__class__.__name__}") from exc
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            probe.verify()
    except Exception as exc:  # Pillow raises many types for garbage; all mean "not an image"
        raise FetchError("not a decodable image") from exc
    if image_format not in ACCEPTED_FORMATS:
        raise FetchError(f"format {image_format} is not accepted")
    return bytes(data), image_format


def _is_loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


# One cache for every sandbox of a process: the results depend on the input bytes only, and
# a model inference costs a good fraction of a second, so the tests' many short-lived
# sandboxes (and a window's restarted one) never cut the same picture out twice.
SHARED_RESULTS = ResultCache()


class SandboxState:
    """Jobs, counters and faults of one sandbox server, and the contract's logic over them."""

    def __init__(
        self,
        api_keys: tuple[str, ...],
        processing_time: float,
        coins_per_job: int,
        result_ttl: float,
    ) -> None:
        self.api_keys = tuple(api_keys)
        self.processing_time = processing_time
        self.coins_per_job = coins_per_job
        self.result_ttl = result_ttl
        self.base_url = ""
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._stats = SandboxStats()
        self._faults = FaultBook()
        # Segmentation is CPU-bound: a benchmark's burst of big jobs queues instead of
        # starving the HTTP threads.
        self._segment_slots = threading.BoundedSemaphore(max(1, min(4, (os.cpu_count() or 2) - 1)))
        self._segmenting: set[threading.Thread] = set()   # joined on stop: see join_segmenting
        self._results = SHARED_RESULTS

    # --- faults and counters -------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.add(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(
        self, endpoint: str, subject: str, exclude_kinds: frozenset[str] = frozenset()
    ) -> Fault | None:
        with self._lock:
            return self._faults.take(endpoint, subject, exclude_kinds)

    def count_submit(self) -> None:
        with self._lock:
            self._stats.submits += 1

    def count_poll(self, job_id: str | None) -> None:
        with self._lock:
            self._stats.polls += 1
            if job_id is not None:
                self._stats.polls_by_job[job_id] = self._stats.polls_by_job.get(job_id, 0) + 1

    def count_file_request(self, job_id: str, name: str, headers: Mapping[str, str]) -> None:
        with self._lock:
            self._stats.file_request_headers.append(CaseInsensitiveDict(headers))
            if name in ("cutout.png", "mask.png"):
                self._stats.downloads += 1
                self._stats.downloads_by_job[job_id] = self._stats.downloads_by_job.get(job_id, 0) + 1

    def stats(self) -> SandboxStats:
        with self._lock:
            return copy.deepcopy(self._stats)

    # --- the contract --------------------------------------------------------------------

    def submit(self, api_key: str | None, payload: Any) -> Reply:
        """``POST /api/image-segmentation``: check, fetch, charge, start segmenting."""
        if api_key not in self.api_keys:
            return error_reply(INVALID_KEY)
        file_url = payload.get("file_url") if isinstance(payload, dict) else None
        if not isinstance(file_url, str) or not file_url:
            return error_reply(BAD_REQUEST)
        try:
            original, image_format = fetch_image(file_url)
        except FetchError as exc:
            log.info("sandbox: refused file_url: %s", exc)
            return error_reply(INVALID_URL)
        ext, content_type = ACCEPTED_FORMATS[image_format]
        with self._lock:
            job = Job(
                job_id=str(uuid.uuid4()),
                ready_at=time.time() + self.processing_time,
                original=original,
                original_ext=ext,
                original_type=content_type,
            )
            self._jobs[job.job_id] = job
            self._stats.jobs_created += 1
            coins = self.coins_per_job
        segmenter = threading.Thread(target=self._segment_job, args=(job,), name="sandbox-segment",
                                     daemon=True)
        with self._lock:
            self._segmenting.add(segmenter)
        segmenter.start()
        return Reply(200, envelope(OK, "OK", {"job_id": job.job_id, "consume_coins": coins}))

    def status(self, api_key: str | None, payload: Any, override_status: str | None = None) -> Reply:
        """``POST /api/task-status``: the job's state, and its links once COMPLETED."""
        if api_key not in self.api_keys:
            return error_reply(INVALID_KEY)
        job_id = payload.get("job_id") if isinstance(payload, dict) else None
        now = time.time()
        with self._lock:
            job = self._jobs.get(job_id) if isinstance(job_id, str) else None
            if job is None or self._past_ttl(job, now):
                return error_reply(BAD_REQUEST)
            status = override_status or job.status(now)
            ext = job.original_ext
        files = f"{self.base_url}/files/{job.job_id}"
        data: dict[str, Any] = {
            "job_id": job.job_id,
            "status": status,
            "original_url": f"{files}/original.{ext}",
        }
        if status == "COMPLETED":
            data["res_url"] = f"{files}/cutout.png"
            data["mask_url"] = f"{files}/mask.png"
        return Reply(200, envelope(OK, "OK", data))

    def file(self, job_id: str, name: str) -> tuple[bytes, str] | None:
        """A job's file as (bytes, content type), or None when unknown, unfinished or expired."""
        now = time.time()
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.expired or self._past_ttl(job, now):
                return None
            if name == f"original.{job.original_ext}":
                return job.original, job.original_type
            if job.status(now) != "COMPLETED":
                return None
            if name == "cutout.png" and job.cutout_png is not None:
                return job.cutout_png, "image/png"
            if name == "mask.png" and job.mask_png is not None:
                return job.mask_png, "image/png"
        return None

    # --- levers for tests ----------------------------------------------------------------

    def mark_stuck(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id].stuck = True

    def mark_error(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id].forced_error = True

    def expire_results(self, job_id: str | None = None) -> None:
        with self._lock:
            if job_id is None:
                for job in self._jobs.values():
                    job.expired = True
            elif job_id in self._jobs:
                self._jobs[job_id].expired = True
            else:
                raise KeyError(job_id)

    def completed_at(self, job_id: str) -> float | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            done = job.completed_at()
        return done if done is not None and done <= time.time() else None

    # --- internals -----------------------------------------------------------------------

    def _past_ttl(self, job: Job, now: float) -> bool:
        done = job.completed_at()
        return done is not None and now > done + self.result_ttl

    def join_segmenting(self, timeout: float) -> None:
        """Wait for the segmentation threads still running (the ones queued for a slot see
        ``stopping`` and return). A daemon thread inside onnxruntime when the interpreter
        exits aborts the whole process ("terminate called without an active exception")."""
        deadline = time.monotonic() + timeout
        with self._lock:
            running = list(self._segmenting)
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _segment_job(self, job: Job) -> None:
        """Decode, segment and encode one job's image; any failure makes the job ERROR."""
        try:
            self._segment(job)
        finally:
            with self._lock:
                self._segmenting.discard(threading.current_thread())

    def _segment(self, job: Job) -> None:
        cutout_png = mask_png = None
        failed = False
        key = ResultCache.key(job.original)
        with self._segment_slots:
            if self.stopping.is_set():
                return
            cached = self._results.get(key)  # looked up in the slot: a twin job waits, then hits
            if cached is not None:
                cutout_png, mask_png = cached
            else:
                try:
                    with Image.open(io.BytesIO(job.original)) as opened:
                        image = ImageOps.exif_transpose(opened)
                        image.load()
                    cutout, mask = segment(image)
                    cutout_png, mask_png = encode_png(cutout), encode_png(mask)
                    self._results.put(key, (cutout_png, mask_png))
                except Exception:  # the real service reports ERROR for whatever breaks; so do we
                    log.warning("sandbox: segmentation of job %s failed", job.job_id, exc_info=True)
                    failed = True
        with self._lock:
            job.cutout_png, job.mask_png, job.failed = cutout_png, mask_png, failed
            job.segmented_at = time.time()
