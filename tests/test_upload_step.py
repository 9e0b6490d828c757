"""Local files sent to HitPaw through the user's bucket: the whole run, for real.

moto's S3 server and the sandbox both listen on loopback; the sandbox fetches the presigned
link from moto itself, as HitPaw fetches it from the user's bucket. Checked each time: what
the row says, what HitPaw was sent (its counters: nothing, and no coin, when the upload did
not work), and that nothing is left in the bucket.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from storage_support import (  # noqa: F401 - fixtures
    ACCESS_KEY,
    REGION,
    SECRET,
    CuttingProxy,
    bucket,
    closed_port,
    objects,
    s3_env,
    s3_server,
)

from desktop_app.api.client import HitPawClient
from desktop_app.jobs.control import Policy, Stopper
from desktop_app.jobs.model import Engine, Job, JobState
from desktop_app.jobs.pipeline import RunContext, run_job
from desktop_app.jobs.queue import JobQueue, QueueEvents
from desktop_app.jobs.store import HistoryStore
from desktop_app.jobs.upload_step import NO_STORAGE, clean_leftovers
from desktop_app.sandbox import SandboxServer
from desktop_app.storage import Storage, StorageConfig

KEY = "sandbox-key"
FAST = Policy(poll_interval=2.0, first_poll_delay=0.15, processing_limit=30.0,
              submit_attempts=2, poll_failures_allowed=2, backoff_base=0.05, backoff_max=0.2)


@pytest.fixture
def srv():
    with SandboxServer(processing_time=0.05) as server:
        yield server


def photo(path: Path, size=(320, 240), fmt: str = "PNG", **save) -> Path:
    img = Image.new("RGB", size, (40, 120, 200))
    ImageDraw.Draw(img).ellipse((80, 50, 240, 190), fill=(230, 180, 40))
    img.save(path, fmt, **save)
    return path


def storage_for(endpoint: str, bucket_name: str, **kw) -> Storage:
    cfg = StorageConfig(bucket_name, "team", endpoint, REGION, ACCESS_KEY, SECRET)
    return Storage(cfg, max_attempts=kw.pop("max_attempts", 2), connect_timeout=2,
                   read_timeout=5, **kw)


def local_job(path: Path) -> Job:
    return Job(str(path), engine=Engine.HITPAW)


def run(job: Job, srv, storage, tmp_path, *, store=None, stopper=None, seen=None) -> Job:
    client = HitPawClient(srv.base_url, KEY)
    try:
        context = RunContext(client, FAST, store=store, storage=storage)
        return run_job(job, context, tmp_path / "cache" / job.id, stopper=stopper,
                       on_change=(seen.append if seen is not None else lambda j: None))
    finally:
        client.close()


def test_upload_submit_results_and_the_object_is_gone(s3_env, bucket, srv, tmp_path):
    source = photo(tmp_path / "Client X - secret launch.png")
    store = HistoryStore(tmp_path / "history.sqlite3")
    seen: list[Job] = []
    job = run(local_job(source), srv, storage_for(s3_env.endpoint, bucket), tmp_path,
              store=store, seen=seen)
    assert job.state == JobState.DONE, job.message
    assert Image.open(job.cutout_path).size == (320, 240)
    assert job.storage_key is None
    assert objects(s3_env, bucket) == []
    assert srv.stats.submits == 1 and srv.stats.jobs_created == 1
    states = [s.state for s in seen]
    assert states.index(JobState.UPLOADING) < states.index(JobState.SUBMITTING)
    keys = {s.storage_key for s in seen if s.storage_key}
    assert len(keys) == 1
    key = keys.pop()
    assert key.startswith("team/cutout-uploads/") and "secret" not in key.lower()
    assert "100 %" in [s.message for s in seen if s.state == JobState.UPLOADING]
    assert any(s.status_text == "Uploading 100 %" for s in seen)
    store.flush()
    assert store.load_all()[0].storage_key is None
    store.close()


def test_the_api_key_never_goes_to_storage_nor_the_secret_to_hitpaw(s3_env, bucket, srv,
                                                                    tmp_path):
    """Both services behind recording proxies: every byte each one was sent is searched."""
    to_storage = CuttingProxy(s3_env.endpoint)
    to_hitpaw = CuttingProxy(srv.base_url)
    try:
        client = HitPawClient(to_hitpaw.endpoint, KEY)
        job = run_job(local_job(photo(tmp_path / "a.png")),
                      RunContext(client, FAST, storage=storage_for(to_storage.endpoint,
                                                                   bucket)),
                      tmp_path / "cache" / "a")
        client.close()
    finally:
        to_storage.close()
        to_hitpaw.close()
    assert job.state == JobState.DONE, job.message
    assert b"PUT /" in to_storage.seen and b"/api/image-segmentation" in to_hitpaw.seen
    assert KEY.encode() not in to_storage.seen and b"Apikey" not in to_storage.seen
    assert SECRET.encode() not in to_hitpaw.seen and SECRET.encode() not in to_storage.seen
    assert ACCESS_KEY.encode() in to_hitpaw.seen    # the link names the key id, as S3's do


def test_nothing_is_sent_without_storage(srv, tmp_path):
    job = run(local_job(photo(tmp_path / "a.png")), srv, None, tmp_path)
    assert job.state == JobState.FAILED and job.message == NO_STORAGE
    assert srv.stats.submits == 0


def test_bad_storage_fails_that_job_only_and_sends_nothing(srv, tmp_path):
    """A local file with an unreachable bucket and a link, in one queue: the file's job
    says why in a sentence, nothing of it reaches HitPaw, and the link is cut out."""
    storage = storage_for(f"http://127.0.0.1:{closed_port()}", "b")
    ended = threading.Event()
    finished: dict[str, Job] = {}

    def start(job: Job, stopper: Stopper) -> None:
        def work():
            done = run(job, srv, storage, tmp_path, stopper=stopper, seen=[])
            queue.job_changed(done.snapshot())
            finished[done.id] = done
            queue.ended(done.id)
            if len(finished) == 2:
                ended.set()
        threading.Thread(target=work, daemon=True).start()

    queue = JobQueue(QueueEvents(start=start), results_dir=tmp_path / "cache")
    local, link = queue.add([str(photo(tmp_path / "a.png")), srv.sample_url("cat.png", 240,
                                                                            180)])
    queue.set_connected(True)
    assert ended.wait(60)
    assert finished[local.id].state == JobState.FAILED
    assert "cannot reach the storage" in finished[local.id].message
    assert finished[link.id].state == JobState.DONE
    assert queue.paused_kind is None
    assert srv.stats.submits == 1        # the link's only


def test_cancel_during_the_upload_sends_nothing_and_leaves_nothing(s3_env, bucket, srv,
                                                                  tmp_path):
    source = tmp_path / "big.png"
    Image.frombytes("RGB", (2400, 2400), os.urandom(2400 * 2400 * 3)).save(
        source, compress_level=0)                     # ~17 MB, in parts
    stopper = Stopper()
    seen: list[Job] = []

    def watch(snapshot: Job) -> None:
        seen.append(snapshot)
        if snapshot.state == JobState.UPLOADING and snapshot.message not in ("", "0 %"):
            stopper.stop(Stopper.CANCEL)

    client = HitPawClient(srv.base_url, KEY)
    job = run_job(local_job(source), RunContext(client, FAST, storage=storage_for(
        s3_env.endpoint, bucket)), tmp_path / "cache" / "j", stopper=stopper, on_change=watch)
    client.close()
    assert job.state == JobState.CANCELLED
    assert srv.stats.submits == 0
    assert objects(s3_env, bucket) == []
    assert s3_env.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_an_upload_dropped_midway_fails_with_its_sentence(s3_env, bucket, srv, tmp_path):
    source = tmp_path / "noise.png"
    Image.frombytes("RGB", (500, 500), os.urandom(500 * 500 * 3)).save(source)
    proxy = CuttingProxy(s3_env.endpoint, cut_after=100_000)
    try:
        job = run(local_job(source), srv, storage_for(proxy.endpoint, bucket), tmp_path)
    finally:
        proxy.close()
    assert job.state == JobState.FAILED
    assert "cut off midway" in job.message and SECRET not in job.message
    assert srv.stats.submits == 0 and job.storage_key is None
    assert objects(s3_env, bucket) == []


CRASHER = r"""
import json, os, sys
from pathlib import Path
from desktop_app.api.client import HitPawClient
from desktop_app.jobs.control import Policy
from desktop_app.jobs.model import Engine, Job, JobState
from desktop_app.jobs.pipeline import RunContext, run_job
from desktop_app.jobs.store import HistoryStore
from desktop_app.storage import Storage, StorageConfig

args = json.loads(sys.argv[1])
store = HistoryStore(Path(args["db"]))
storage = Storage(StorageConfig(args["bucket"], "team", args["endpoint"], "us-east-1",
                                args["key_id"], os.environ["TEST_SECRET"]))

def crash_once_uploaded(job):
    if job.state == JobState.SUBMITTING:
        store.flush()
        os._exit(9)   # a power cut: no finally, no clean-up

run_job(Job(args["source"], engine=Engine.HITPAW),
        RunContext(HitPawClient(args["base"], "sandbox-key"), Policy(), store=store,
                   storage=storage),
        Path(args["work"]), on_change=crash_once_uploaded)
"""


def test_a_crash_after_the_upload_is_cleaned_up_on_the_next_start(s3_env, bucket, srv,
                                                                 tmp_path):
    db = tmp_path / "history.sqlite3"
    args = {"db": str(db), "bucket": bucket, "endpoint": s3_env.endpoint,
            "key_id": ACCESS_KEY, "source": str(photo(tmp_path / "a.png")),
            "base": srv.base_url, "work": str(tmp_path / "work")}
    done = subprocess.run([sys.executable, "-c", CRASHER, json.dumps(args)],
                          env={**os.environ, "TEST_SECRET": SECRET}, timeout=60)
    assert done.returncode == 9
    assert srv.stats.submits == 0
    left = objects(s3_env, bucket)
    assert len(left) == 1
    store = HistoryStore(db)
    [job] = store.load_all()
    assert job.storage_key == left[0] and job.state == JobState.SUBMITTING

    # the next start: the queue restores it (a submit whose answer was lost is never
    # resent), and the clean-up deletes its object
    queue = JobQueue(QueueEvents(start=lambda job, stopper: None),
                     results_dir=tmp_path / "cache", store=store)
    queue.restore(jobs := queue.read_history())
    assert clean_leftovers(storage_for(s3_env.endpoint, bucket), jobs, store) == [job.id]
    assert objects(s3_env, bucket) == []
    store.flush()
    assert store.load_all()[0].storage_key is None
    store.close()


def test_no_secret_in_any_file_written(s3_env, bucket, srv, tmp_path, isolated_home,
                                       caplog):
    """The log at its most talkative (DEBUG, every library's records), the history and the
    cache: neither the storage secret nor a presigned link that still opens."""
    from desktop_app import paths
    from desktop_app.logs import setup_logging

    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(logging.DEBUG)
    for noisy in ("urllib3", "botocore", "boto3", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.DEBUG)   # the worst case
    try:
        store = HistoryStore(paths.history_db())
        for name in ("a.png", "b.jpg"):
            source = photo(tmp_path / name, fmt="PNG" if name.endswith("png") else "JPEG")
            job = run(local_job(source), srv, storage_for(s3_env.endpoint, bucket), tmp_path,
                      store=store)
            assert job.state == JobState.DONE
        bad = storage_for(f"http://127.0.0.1:{closed_port()}", "b")
        assert run(local_job(tmp_path / "a.png"), srv, bad, tmp_path,
                   store=store).state == JobState.FAILED
        store.close()
    finally:
        for handler in set(root.handlers) - set(before):
            root.removeHandler(handler)
            handler.close()
        for noisy in ("urllib3", "botocore", "boto3", "s3transfer"):
            logging.getLogger(noisy).setLevel(logging.NOTSET)
    log_file = paths.log_dir() / "cutout.log"
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert paths.history_db() in written and log_file in written
    assert b"X-Amz-Signature=[redacted]" in log_file.read_bytes()   # it was logged, redacted
    for path in written:
        data = path.read_bytes()
        assert SECRET.encode() not in data, path
        assert re.search(rb"X-Amz-Signature=[0-9a-f]", data) is None, path
    assert SECRET not in caplog.text
