"""One job's life over real HTTP: ``run_job`` with a ``HitPawClient`` against the sandbox.

No mocks: every fault is served by ``desktop_app.sandbox`` over loopback, and every test
checks what the user is told (the job's state and its sentence), what is kept (job id,
coins, files, the history row) and what the server saw (its counters), above all that no
submit is ever repeated when it might have been charged.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.api.client import HitPawClient
from desktop_app.api.defaults import DownloadLimits
from desktop_app.jobs.control import Policy, Stopper
from desktop_app.jobs.model import Job, JobState
from desktop_app.jobs.pipeline import RunContext, run_job
from desktop_app.jobs.store import HistoryStore
from desktop_app.sandbox import Fault, SandboxServer

KEY = "sandbox-key"
# poll_interval is clamped to the vendor's 2..5 s; everything else is made quick, and the
# sandbox finishes small images well before the first poll.
FAST = Policy(poll_interval=2.0, first_poll_delay=0.15, processing_limit=30.0,
              submit_attempts=3, poll_failures_allowed=3, backoff_base=0.05, backoff_max=0.2)
PAUSING = [(110400000, "key", "does not accept this API key"),
           (100401000, "key", "has expired"),
           (110402000, "coins", "out of coins"),
           (100400000, "access", "may not use background removal")]
INVALID_LINK = "HitPaw could not fetch this link"


@pytest.fixture
def srv() -> Iterator[SandboxServer]:
    with SandboxServer(processing_time=0.05) as server:
        yield server


@pytest.fixture
def client(srv: SandboxServer) -> Iterator[HitPawClient]:
    api = HitPawClient(srv.base_url, KEY)
    yield api
    api.close()


def image(srv: SandboxServer, name: str = "cat.png") -> str:
    """A small sample (segmented in milliseconds), so jobs finish at the first poll."""
    return srv.sample_url(name, 240, 180)


def workdir_of(tmp_path: Path, job: Job) -> Path:
    return tmp_path / "cache" / job.id


def go(job: Job, client: HitPawClient, tmp_path: Path, policy: Policy = FAST, *,
       store: HistoryStore | None = None, estimator=None, **kw) -> Job:
    context = RunContext(client, policy, store=store, estimator=estimator)
    return run_job(job, context, workdir_of(tmp_path, job), **kw)


def assert_sentence(message: str, *needles: str) -> None:
    """What a designer reads: one or two plain sentences, no traceback, no key, no jargon."""
    assert message, "a job that did not finish must say why"
    assert message.endswith("."), message
    assert "\n" not in message and "Traceback" not in message, message
    assert KEY not in message and "Apikey" not in message, message
    for jargon in ("Exception", "Error(", "errno", "urllib3", "requests."):
        assert jargon not in message, message
    for needle in needles:
        assert needle.lower() in message.lower(), f"{needle!r} not in {message!r}"


def assert_no_results(workdir: Path) -> None:
    left = sorted(p.name for p in workdir.iterdir()) if workdir.exists() else []
    assert not {"cutout.png", "mask.png"} & set(left), left
    assert not [name for name in left if name.endswith(".part")], left


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the happy path ---------------------------------------------------------------------------


def test_a_job_ends_done_with_a_cutout_a_mask_and_its_history_row(srv, client, tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    seen: list[JobState] = []
    job = Job(image(srv))
    go(job, client, tmp_path, store=store, on_change=lambda snap: seen.append(snap.state))

    assert job.state == JobState.DONE, job.message
    assert job.message == ""
    assert seen == [JobState.SUBMITTING, JobState.CONVERTING, JobState.DOWNLOADING,
                    JobState.DONE]
    assert job.job_id and job.coins == 20
    with Image.open(job.cutout_path) as cutout:
        assert cutout.mode == "RGBA" and cutout.size == (240, 180)
        assert cutout.getpixel((0, 0))[3] == 0 and cutout.getpixel((120, 90))[3] == 255
    with Image.open(job.mask_path) as mask:
        assert mask.mode == "L" and mask.size == (240, 180)
    assert Path(job.cutout_path).parent == workdir_of(tmp_path, job)
    assert job.original_path and Path(job.original_path).exists()
    assert (job.width, job.height) == (240, 180)

    stats = srv.stats
    assert (stats.submits, stats.jobs_created) == (1, 1)
    assert stats.downloads_by_job == {job.job_id: 2}  # the cut-out and the mask, once each

    store.close()
    rows = HistoryStore(tmp_path / "history.sqlite3").load_all()
    assert [(r.id, r.job_id, r.state, r.coins) for r in rows] == [
        (job.id, job.job_id, JobState.DONE, 20)]
    assert rows[0].cutout_path == job.cutout_path


def test_the_job_id_is_on_disk_before_anyone_hears_of_it(srv, client, tmp_path):
    """A crash right after the submit must not lose the paid-for job id."""
    db = tmp_path / "history.sqlite3"
    store = HistoryStore(db)
    found_on_disk: list[tuple] = []

    def on_change(snap: Job) -> None:
        if snap.state == JobState.CONVERTING:
            with sqlite3.connect(db) as reader:  # another connection, as a new process would
                found_on_disk.extend(reader.execute(
                    "SELECT state, job_id FROM jobs WHERE id = ?", (snap.id,)).fetchall())

    job = go(Job(image(srv)), client, tmp_path, store=store, on_change=on_change)
    assert job.state == JobState.DONE
    assert found_on_disk == [("converting", job.job_id)]
    store.close()


# --- submitting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [Fault("submit", "code", code=100500000),
                                   Fault("submit", "code", code=100500000, http_style=False),
                                   Fault("submit", "http500_html")],
                         ids=["100500000", "100500000-http200", "html500"])
def test_a_submit_the_server_refused_with_5xx_is_retried(srv, client, tmp_path, fault):
    srv.add_fault(fault)
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.DONE, job.message
    stats = srv.stats
    assert (stats.submits, stats.jobs_created) == (2, 1)
    assert job.coins == 20


def test_a_submit_that_never_connects_fails_after_the_allowed_tries(srv, tmp_path):
    dead = HitPawClient(f"http://127.0.0.1:{closed_port()}", KEY)
    started = time.monotonic()
    job = go(Job(image(srv)), dead, tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, "Could not reach HitPaw",
                    f"tried {FAST.submit_attempts} times", "Nothing was charged")
    assert job.job_id is None and job.coins is None
    assert time.monotonic() - started < 3
    assert srv.stats.submits == 0


def test_a_submit_whose_answer_is_lost_after_the_charge_is_never_resent(srv, client, tmp_path):
    srv.add_fault(Fault("submit", "drop_after_charge"))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.UNKNOWN
    assert_sentence(job.message, "not resent", "not charged twice")
    assert job.job_id is None and job.coins is None
    stats = srv.stats
    assert (stats.submits, stats.jobs_created) == (1, 1)  # charged once, asked once
    assert job.status_text == "Unknown, not resent"
    assert_no_results(workdir_of(tmp_path, job))


@pytest.mark.parametrize("kind", ["drop", "non_json", "truncated_json", "missing_fields"])
def test_a_submit_answer_that_cannot_be_read_is_unknown_not_resent(srv, client, tmp_path, kind):
    srv.add_fault(Fault("submit", kind))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.UNKNOWN, job.message
    assert_sentence(job.message, "not resent")
    assert job.job_id is None
    assert srv.stats.submits == 1


def test_a_submit_answer_slower_than_the_read_timeout_is_unknown(srv, tmp_path):
    impatient = HitPawClient(srv.base_url, KEY, read_timeout=0.3)
    srv.add_fault(Fault("submit", "slow", delay=1.0))
    job = go(Job(image(srv)), impatient, tmp_path)
    assert job.state == JobState.UNKNOWN
    assert_sentence(job.message, "not resent")
    # the server finishes its (charged) work after the client gave up, and is never asked again
    deadline = time.monotonic() + 10
    while srv.stats.jobs_created == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (srv.stats.submits, srv.stats.jobs_created) == (1, 1)


@pytest.mark.parametrize("http_style", [True, False])
def test_an_invalid_url_code_fails_that_job(srv, client, tmp_path, http_style):
    srv.add_fault(Fault("submit", "code", code=100400001, http_style=http_style))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, INVALID_LINK)
    assert srv.stats.submits == 1  # not retried


def test_a_link_that_is_not_an_image_fails_with_the_invalid_link_sentence(srv, client, tmp_path):
    job = go(Job(srv.sample_url("not-an-image.png")), client, tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, INVALID_LINK, "JPG, PNG or WebP")
    assert job.job_id is None and job.coins is None
    assert (srv.stats.submits, srv.stats.jobs_created) == (1, 0)


@pytest.mark.parametrize("http_style", [True, False], ids=["http-status", "http-200"])
@pytest.mark.parametrize("code,kind,words", PAUSING, ids=[str(p[0]) for p in PAUSING])
def test_key_coin_and_access_codes_at_submit_pause_the_job(srv, client, tmp_path, code, kind,
                                                            words, http_style):
    srv.add_fault(Fault("submit", "code", code=code, http_style=http_style))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.PAUSED
    assert job.pause_kind == kind
    assert_sentence(job.message, words, "queue is kept")
    assert job.job_id is None
    assert (srv.stats.submits, srv.stats.jobs_created) == (1, 0)

    go(job, client, tmp_path)  # the fault was used once: resuming sends it now
    assert job.state == JobState.DONE and job.pause_kind == ""
    assert srv.stats.jobs_created == 1


def test_a_wrong_key_pauses_for_the_key(srv, tmp_path):
    wrong = HitPawClient(srv.base_url, "not-the-key")
    job = go(Job(image(srv)), wrong, tmp_path)
    assert job.state == JobState.PAUSED and job.pause_kind == "key"
    assert_sentence(job.message, "does not accept this API key")
    assert "not-the-key" not in job.message


@pytest.mark.parametrize("http_style", [True, False])
def test_an_unknown_code_fails_and_shows_the_vendors_message(srv, client, tmp_path, http_style):
    srv.add_fault(Fault("submit", "code", code=123, http_style=http_style))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, "error 123", "Something odd")
    assert srv.stats.submits == 1


# --- polling ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http500_html", "non_json", "truncated_json", "missing_fields",
                                  "drop"])
def test_passing_faults_while_polling_cost_no_new_submit(srv, client, tmp_path, kind):
    srv.add_fault(Fault("status", kind, times=3))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.DONE, job.message
    stats = srv.stats
    assert (stats.submits, stats.jobs_created) == (1, 1)
    # the three faults, then "still converting" until the model has cut the image out
    assert stats.polls_by_job[job.job_id] >= 4


def test_a_status_answer_slower_than_the_read_timeout_is_asked_again(srv, tmp_path):
    impatient = HitPawClient(srv.base_url, KEY, read_timeout=0.3)
    srv.add_fault(Fault("status", "slow", delay=1.0))
    job = go(Job(image(srv)), impatient, tmp_path)
    assert job.state == JobState.DONE, job.message
    assert srv.stats.submits == 1 and srv.stats.polls_by_job[job.job_id] == 2


def test_too_many_failed_polls_fail_the_job_but_keep_its_id(srv, client, tmp_path):
    srv.add_fault(Fault("status", "http500_html", times=None))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, "stopped checking", "without a new charge")
    assert job.job_id and job.coins == 20
    assert srv.stats.polls_by_job[job.job_id] == FAST.poll_failures_allowed + 1

    srv.clear_faults()  # "Retry": checks the same job again
    go(job, client, tmp_path)
    assert job.state == JobState.DONE
    assert (srv.stats.submits, srv.stats.jobs_created) == (1, 1)


def test_a_job_stuck_converting_fails_after_the_processing_limit(srv, client, tmp_path):
    srv.add_fault(Fault("status", "stuck"))
    policy = Policy(poll_interval=2, first_poll_delay=0.05, processing_limit=1.0,
                    backoff_base=0.05)
    started = time.monotonic()
    job = go(Job(image(srv)), client, tmp_path, policy)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, "still processing after 1 s", "without a new charge")
    assert job.job_id
    assert time.monotonic() - started < 4.5
    assert srv.stats.submits == 1
    assert_no_results(workdir_of(tmp_path, job))


def test_a_job_that_ends_in_error_fails(srv, client, tmp_path):
    srv.add_fault(Fault("status", "job_error"))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, "could not cut out this image")
    assert srv.stats.submits == 1 and srv.stats.downloads == 0


def test_an_unknown_status_is_still_working(srv, client, tmp_path):
    srv.add_fault(Fault("status", "unknown_status"))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.DONE, job.message
    assert srv.stats.polls_by_job[job.job_id] == 2


@pytest.mark.parametrize("http_style", [True, False], ids=["http-401", "http-200"])
def test_an_expired_key_while_polling_pauses_and_resumes_without_a_new_charge(
        srv, client, tmp_path, http_style):
    srv.add_fault(Fault("status", "code", code=100401000, http_style=http_style, times=None))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.PAUSED and job.pause_kind == "key"
    assert_sentence(job.message, "expired", "new key")
    job_id = job.job_id
    assert job_id and job.coins == 20
    assert srv.stats.submits == 1

    srv.clear_faults()  # the user entered a new key
    go(job, client, tmp_path)
    assert job.state == JobState.DONE, job.message
    assert job.job_id == job_id
    assert (srv.stats.submits, srv.stats.jobs_created) == (1, 1)
    assert srv.stats.downloads_by_job == {job_id: 2}


def test_a_job_id_the_service_forgot_fails_with_a_resubmit_hint(srv, client, tmp_path):
    srv.add_fault(Fault("status", "code", code=100400002))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, "no longer knows this job", "sends the link again")
    assert srv.stats.submits == 1


# --- downloading --------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["cutout.png", "mask.png"])
@pytest.mark.parametrize("kind", ["expired_403", "expired_404"])
def test_expired_result_links_make_the_job_expired(srv, client, tmp_path, kind, which):
    srv.add_fault(Fault("file", kind, match=which))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.EXPIRED
    assert_sentence(job.message, "expired", "8 days")
    assert job.job_id and job.cutout_path is None
    assert_no_results(workdir_of(tmp_path, job))


@pytest.mark.parametrize("which", ["cutout.png", "mask.png"])
@pytest.mark.parametrize("kind,words", [("not_image", "not an image"),
                                        ("truncated_image", "damaged or incomplete"),
                                        ("bomb", "too large to open safely"),
                                        ("huge", "larger than 2 MB")])
def test_a_bad_result_file_fails_the_job_and_leaves_no_file(srv, client, tmp_path, kind, words,
                                                            which):
    srv.add_fault(Fault("file", kind, match=which))
    policy = Policy(poll_interval=2, first_poll_delay=0.15, backoff_base=0.05,
                    download=DownloadLimits(max_bytes=2 * 1024 * 1024))
    job = go(Job(image(srv)), client, tmp_path, policy)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, words, "without a new charge")
    assert job.cutout_path is None and job.mask_path is None
    assert_no_results(workdir_of(tmp_path, job))
    assert srv.stats.submits == 1

    go(job, client, tmp_path)  # Retry downloads again, without a new submit
    assert job.state == JobState.DONE, job.message
    assert (srv.stats.submits, srv.stats.jobs_created) == (1, 1)


def test_a_redirect_to_another_host_is_followed_without_the_key(srv, client, tmp_path):
    srv.add_fault(Fault("file", "redirect_other_host", times=None))
    job = go(Job(image(srv)), client, tmp_path)
    assert job.state == JobState.DONE, job.message
    headers = srv.stats.file_request_headers
    assert any(h.get("Host", "").startswith("localhost") for h in headers), "not redirected"
    assert all("apikey" not in h for h in headers)
    assert all(KEY not in value for h in headers for value in h.values())


# --- stopping -----------------------------------------------------------------------------------


def _stop_while_converting(srv, client, tmp_path, reason, store=None):
    srv.processing_time = 1.5  # still CONVERTING at the first poll; the next is 2 s later
    converting = threading.Event()
    job = Job(image(srv))
    stopper = Stopper()
    worker = threading.Thread(target=go, args=(job, client, tmp_path), kwargs=dict(
        stopper=stopper, store=store,
        on_change=lambda s: s.state == JobState.CONVERTING and converting.set()))
    worker.start()
    assert converting.wait(10)
    time.sleep(0.4)  # inside the wait between two polls
    stopped_at = time.monotonic()
    stopper.stop(reason)
    worker.join(10)
    assert not worker.is_alive()
    assert time.monotonic() - stopped_at < 3
    return job


def test_shutdown_leaves_the_job_converting_to_resume_on_the_next_start(srv, client, tmp_path):
    db = tmp_path / "history.sqlite3"
    store = HistoryStore(db)
    job = _stop_while_converting(srv, client, tmp_path, Stopper.SHUTDOWN, store)
    assert job.state == JobState.CONVERTING and job.job_id and job.message == ""
    store.close()

    # the next start: a new store on the same file finds the paid-for job by its id
    reopened = HistoryStore(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    [row] = reopened.load_all()
    assert (row.id, row.state, row.job_id, row.coins) == (job.id, JobState.CONVERTING,
                                                          job.job_id, 20)
    run_job(row, RunContext(client, FAST, store=reopened), workdir_of(tmp_path, row))
    assert row.state == JobState.DONE, row.message
    assert row.job_id == job.job_id
    assert (srv.stats.submits, srv.stats.jobs_created) == (1, 1)  # resumed, not resent
    reopened.flush()
    [again] = HistoryStore(db).load_all()
    assert again.state == JobState.DONE and again.cutout_path == row.cutout_path
    reopened.close()


def test_cancel_while_converting_cancels_and_keeps_the_job_id(srv, client, tmp_path):
    job = _stop_while_converting(srv, client, tmp_path, Stopper.CANCEL)
    assert job.state == JobState.CANCELLED
    assert_sentence(job.message, "Stopped by you", "without a new charge")
    assert job.job_id
    assert srv.stats.submits == 1


def test_pause_while_converting_pauses_for_the_user(srv, client, tmp_path):
    job = _stop_while_converting(srv, client, tmp_path, Stopper.PAUSE)
    assert job.state == JobState.PAUSED and job.pause_kind == "user"
    assert_sentence(job.message, "Paused by you")
    assert job.job_id


def test_cancel_while_retrying_a_submit_ends_at_once(srv, tmp_path):
    dead = HitPawClient(f"http://127.0.0.1:{closed_port()}", KEY)
    slow_retries = Policy(first_poll_delay=0.1, submit_attempts=10, backoff_base=5.0,
                          backoff_max=30.0)
    stopper = Stopper()
    job = Job(image(srv))
    worker = threading.Thread(target=go, args=(job, dead, tmp_path, slow_retries),
                              kwargs=dict(stopper=stopper))
    worker.start()
    time.sleep(0.5)
    stopped_at = time.monotonic()
    stopper.stop(Stopper.CANCEL)
    worker.join(10)
    assert time.monotonic() - stopped_at < 3
    assert job.state == JobState.CANCELLED
    assert_sentence(job.message, "before it was sent")


# --- a batch --------------------------------------------------------------------------------


def test_running_out_of_coins_mid_batch_pauses_the_rest_and_loses_nothing(srv, tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    jobs = [Job(image(srv, f"photo-{i}.png")) for i in range(20)]
    local = threading.local()
    clients: list[HitPawClient] = []
    lock = threading.Lock()
    done_before_fault: list[str] = []

    def on_change(snap: Job) -> None:
        if snap.state != JobState.DONE:
            return
        with lock:
            if len(done_before_fault) < 3:
                done_before_fault.append(snap.id)
                if len(done_before_fault) == 3:
                    srv.add_fault(Fault("submit", "code", code=110402000, times=None))

    def work(job: Job) -> Job:
        if not hasattr(local, "client"):
            local.client = HitPawClient(srv.base_url, KEY)
            with lock:
                clients.append(local.client)
        return go(job, local.client, tmp_path, store=store, on_change=on_change)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, jobs))

    by_id = {job.id: job for job in jobs}
    assert len(done_before_fault) == 3
    assert all(by_id[i].state == JobState.DONE for i in done_before_fault)
    states = {job.state for job in jobs}
    assert states <= {JobState.DONE, JobState.PAUSED}, [j.message for j in jobs]
    paused = [job for job in jobs if job.state == JobState.PAUSED]
    assert jobs[-1] in paused and len(paused) >= 10
    for job in paused:
        assert job.pause_kind == "coins" and job.job_id is None
        assert_sentence(job.message, "out of coins")
    done = [job for job in jobs if job.state == JobState.DONE]
    assert srv.stats.jobs_created == len(done)
    store.flush()
    stored = {row.id: row for row in HistoryStore(store.path).load_all()}
    assert {i: r.state for i, r in stored.items()} == {j.id: j.state for j in jobs}

    srv.clear_faults()  # topped up: Resume
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, paused))
    assert all(job.state == JobState.DONE for job in jobs), [j.message for j in jobs]
    stats = srv.stats
    assert stats.jobs_created == 20
    assert stats.submits == 20 + len(paused)
    assert len({job.job_id for job in jobs}) == 20
    assert sum(job.coins for job in jobs) == 400
    for api in clients:
        api.close()
    store.close()


class FakeClock:
    """The estimator's clock, moved by hand (it only decides when the next probe may go)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_service_time_estimator_spreads_first_polls_while_nothing_is_known():
    from desktop_app.jobs.control import ServiceTimeEstimator

    estimator = ServiceTimeEstimator()
    firsts = [estimator.first_poll(2.0) for _ in range(7)]
    assert firsts == pytest.approx([2.0, 2.4, 2.8, 3.2, 3.6, 4.0, 2.0])
    # a first poll that came too early is followed 2 s later, not a whole interval later
    assert estimator.still_working(2.0, 3.0, misses=1) == 2.0
    assert estimator.still_working(4.0, 3.0, misses=2) == 3.0   # then the interval


def test_service_time_estimator_narrows_down_and_polls_when_jobs_are_done():
    from desktop_app.jobs.control import ServiceTimeEstimator

    clock = FakeClock()
    estimator = ServiceTimeEstimator(clock=clock)
    estimator.still_working(2.8, 3.0, misses=1)          # still working at 2.8 s
    estimator.completed(3.6)                             # another was done by 3.6 s
    # The answers agree on (2.8, 3.6]: one job probes the middle, the others poll at 3.6.
    assert estimator.first_poll(2.0) == pytest.approx(3.2)
    assert estimator.first_poll(2.0) == pytest.approx(3.6)
    # A job still working after its first poll is polled when recent jobs were done...
    assert estimator.still_working(1.5, 3.0, misses=1) == pytest.approx(2.1)
    # ...but never sooner than 2 s after its last poll.
    assert estimator.still_working(2.4, 5.0, misses=2) == pytest.approx(2.0)
    estimator.completed(3.2)                             # the probe saw its job done
    clock.now = 10.0                                     # the probe's answer is in
    assert estimator.first_poll(2.0) == pytest.approx(3.0)   # the middle of (2.8, 3.2]
    estimator.still_working(3.0, 3.0, misses=1)          # ...and that one was still working
    clock.now = 20.0
    assert estimator.first_poll(2.0) == pytest.approx(3.2)   # (3.0, 3.2] is narrow enough
    assert estimator.first_poll(2.0) == pytest.approx(3.2)   # and no more probes


def test_service_time_estimator_forgets_old_answers():
    from desktop_app.jobs.control import ServiceTimeEstimator

    clock = FakeClock()
    estimator = ServiceTimeEstimator(clock=clock, memory=300.0)
    estimator.still_working(3.9, 3.0, misses=1)
    estimator.completed(4.0)
    assert estimator.first_poll(2.0) == pytest.approx(4.0)
    clock.now = 301.0                                    # five minutes later: learn again
    assert estimator.first_poll(2.0) == pytest.approx(2.0)


def test_service_time_estimator_stays_within_two_and_five_seconds():
    from desktop_app.jobs.control import ServiceTimeEstimator

    fast = ServiceTimeEstimator()
    fast.completed(1.2)
    assert fast.first_poll(2.0) == 2.0                   # never before HitPaw's 2 s
    slow = ServiceTimeEstimator()
    slow.still_working(20.0, 3.0, misses=7)
    slow.completed(23.0)
    assert slow.first_poll(2.0) == 5.0                   # never later than 5 s


def test_service_time_estimator_uses_the_median_when_jobs_disagree():
    from desktop_app.jobs.control import ServiceTimeEstimator

    estimator = ServiceTimeEstimator()
    for done in (3.0, 3.1, 3.3, 3.2):
        estimator.completed(done)
    estimator.still_working(18.0, 3.0, misses=6)         # one slow job: working at 18 s
    estimator.completed(20.0)
    assert estimator.first_poll(2.0) == pytest.approx(3.2)   # not 5 s for everybody


def test_service_time_estimator_moves_a_waiting_first_poll_sooner_only_on_agreeing_news():
    from desktop_app.jobs.control import ServiceTimeEstimator

    estimator = ServiceTimeEstimator()
    assert estimator.sooner(4.0) == 4.0                  # nothing known: as planned
    estimator.still_working(2.8, 3.0, misses=1)
    estimator.completed(3.2)
    assert estimator.sooner(4.0) == pytest.approx(3.2)   # others were done by 3.2 s
    assert estimator.sooner(3.0) == 3.0                  # a probe is never moved later
    estimator.still_working(3.5, 3.0, misses=1)          # the answers now disagree
    assert estimator.sooner(4.0) == 4.0


def _planned_at_four_seconds():
    """An estimator whose next cold first poll is 4 s after submit (the last of its spread)."""
    from desktop_app.jobs.control import ServiceTimeEstimator

    estimator = ServiceTimeEstimator()
    for _ in range(5):
        estimator.first_poll(2.0)
    return estimator


def test_a_job_waiting_for_its_first_poll_polls_once_another_job_is_seen_done(
        srv, client, tmp_path):
    estimator = _planned_at_four_seconds()
    job = Job(image(srv))
    waiting = threading.Event()
    worker = threading.Thread(target=go, args=(job, client, tmp_path), kwargs=dict(
        estimator=estimator,
        on_change=lambda s: s.state == JobState.CONVERTING and waiting.set()))
    worker.start()
    assert waiting.wait(10)
    time.sleep(0.3)
    estimator.completed(0.5)             # another job of the wave was seen done at 0.5 s
    worker.join(10)
    assert job.state == JobState.DONE
    first_poll = job.completed_at - job.submitted_at
    assert 2.0 <= first_poll < 3.0       # at HitPaw's 2 s, not at the planned 4 s
    assert srv.stats.polls == 1


def test_a_job_waiting_for_its_first_poll_stops_at_once(srv, client, tmp_path):
    estimator = _planned_at_four_seconds()
    job = Job(image(srv))
    stopper = Stopper()
    waiting = threading.Event()
    worker = threading.Thread(target=go, args=(job, client, tmp_path), kwargs=dict(
        estimator=estimator, stopper=stopper,
        on_change=lambda s: s.state == JobState.CONVERTING and waiting.set()))
    worker.start()
    assert waiting.wait(10)
    estimator.completed(5.0)             # news that does not make this job's poll sooner
    stopped_at = time.monotonic()
    stopper.stop(Stopper.CANCEL)
    worker.join(10)
    assert time.monotonic() - stopped_at < 0.5
    assert job.state == JobState.CANCELLED
    assert srv.stats.polls == 0
