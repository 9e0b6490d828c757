"""The queue's rules, without Qt, threads or HTTP: a fake driver records what the queue asks.

The window and the CLI both drive ``JobQueue``, so these rules are what a designer sees in
the window and what a script sees in the CLI: order, places, pauses, retries, restoring.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from desktop_app.jobs.control import Stopper
from desktop_app.jobs.model import RESULT_LIFETIME, Engine, Job, JobState
from desktop_app.jobs.queue import CRASHED, JobQueue, QueueEvents
from desktop_app.jobs.store import HistoryStore

DAY = 86400.0


class Driver:
    """Records the queue's events; ``runs`` holds the stopper of every started job."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.runs: dict[str, Stopper] = {}
        self.changed: list[Job] = []
        self.added: list[str] = []
        self.removed: list[str] = []
        self.pauses: list[tuple[str, str]] = []
        self.resumes = 0

    def events(self) -> QueueEvents:
        return QueueEvents(start=self.start, jobs_added=lambda jobs: self.added.extend(
            j.id for j in jobs), job_changed=self.changed.append,
            jobs_removed=self.removed.extend, paused=lambda *p: self.pauses.append(p),
            resumed=self.resumed)

    def start(self, job: Job, stopper: Stopper) -> None:
        self.started.append(job.id)
        self.runs[job.id] = stopper

    def resumed(self) -> None:
        self.resumes += 1


@pytest.fixture
def driver() -> Driver:
    return Driver()


@pytest.fixture
def store(tmp_path: Path):
    history = HistoryStore(tmp_path / "history.db")
    yield history
    history.close()


def make_queue(driver: Driver, tmp_path: Path, *, concurrency: int = 2, store=None,
               connected: bool = True, clock=time.time) -> JobQueue:
    queue = JobQueue(driver.events(), results_dir=tmp_path / "results", store=store,
                     concurrency=concurrency, clock=clock)
    queue.set_connected(connected)
    return queue


def report(queue: JobQueue, local_id: str, state: JobState, **changes) -> Job:
    """What a run's ``on_change`` sends: a snapshot in a new state."""
    snapshot = queue.jobs[local_id].snapshot()
    snapshot.state = state
    for name, value in changes.items():
        setattr(snapshot, name, value)
    queue.job_changed(snapshot)
    return snapshot


def ids(jobs: list[Job]) -> list[str]:
    return [job.id for job in jobs]


# --- order and places ------------------------------------------------------------------------


def test_jobs_start_in_the_order_given_as_places_free_up(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=2)
    jobs = ids(queue.add([f"https://x/{i}.png" for i in range(5)]))
    assert driver.started == [] and driver.added == jobs  # the driver pumps when it suits it
    queue.pump()
    assert driver.started == jobs[:2]
    assert (queue.running_count, queue.waiting_count) == (2, 3)
    report(queue, jobs[1], JobState.FAILED, message="no")
    queue.ended(jobs[1])
    assert driver.started == jobs[:3]


def test_held_starts_wait_for_the_release_whatever_pumps_meanwhile(driver, tmp_path):
    """A driver adding many jobs over several turns holds starts: a connection, a job that
    ends or a restored history pumping in between starts nothing until the release."""
    queue = make_queue(driver, tmp_path, concurrency=2, connected=False)
    queue.hold_starts(True)
    first = ids(queue.add(["https://x/a.png", "https://x/b.png"]))
    queue.set_connected(True)            # pumps
    queue.pump()
    assert driver.started == []
    queue.add(["https://x/c.png"])
    queue.hold_starts(False)
    assert driver.started == []          # the driver pumps when it releases
    queue.pump()
    assert driver.started == first


def test_nothing_is_sent_without_a_connection(driver, tmp_path):
    queue = make_queue(driver, tmp_path, connected=False)
    queue.add(["https://x/a.png"])
    queue.pump()
    assert driver.started == []
    queue.set_connected(True)
    assert len(driver.started) == 1


def test_a_job_gives_its_place_up_once_hitpaw_is_done(driver, tmp_path):
    """DOWNLOADING holds no place (HitPaw would sit idle), but at most twice the places run."""
    queue = make_queue(driver, tmp_path, concurrency=1)
    a, b, c = ids(queue.add(["https://x/a.png", "https://x/b.png", "https://x/c.png"]))
    queue.pump()
    assert driver.started == [a]
    report(queue, a, JobState.CONVERTING, job_id="j-a")
    assert driver.started == [a]
    report(queue, a, JobState.DOWNLOADING)
    assert driver.started == [a, b]
    report(queue, b, JobState.DOWNLOADING)
    assert driver.started == [a, b]   # two runs already: a's downloads must end first
    report(queue, a, JobState.DONE)
    queue.ended(a)
    assert driver.started == [a, b, c]


# --- pauses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["key", "coins", "access"])
def test_a_service_pause_holds_the_queue_and_resume_puts_paused_jobs_back(driver, tmp_path,
                                                                          kind):
    queue = make_queue(driver, tmp_path, concurrency=1)
    a, b, c = ids(queue.add(["https://x/a.png", "https://x/b.png", "https://x/c.png"]))
    queue.pump()
    report(queue, a, JobState.PAUSED, message="Out of it. Your queue is kept.", pause_kind=kind)
    queue.ended(a)
    assert driver.pauses == [(kind, "Out of it. Your queue is kept.")]
    assert queue.paused_kind == kind
    assert driver.started == [a]              # the rest are not sent
    assert [queue.jobs[i].state for i in (b, c)] == [JobState.QUEUED] * 2
    assert queue.waiting_count == 2 and queue.idle
    queue.resume()
    assert driver.resumes == 1 and queue.paused_kind is None
    assert queue.jobs[a].state == JobState.QUEUED and queue.jobs[a].pause_kind == ""
    assert driver.started == [a, b]           # back in line, behind those that waited
    assert [j.id for j in queue.waiting_jobs()] == [c, a]


def test_a_users_pause_of_one_job_holds_only_that_job(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    a, b, c = ids(queue.add(["https://x/a.png", "https://x/b.png", "https://x/c.png"]))
    queue.pump()
    queue.pause_jobs([a, b])
    assert driver.runs[a].reason == Stopper.PAUSE          # running: stops at a safe point
    assert (queue.jobs[b].state, queue.jobs[b].pause_kind) == (JobState.PAUSED, "user")
    assert queue.paused_kind is None
    report(queue, a, JobState.PAUSED, message="Paused by you.", pause_kind="user")
    queue.ended(a)
    assert driver.started == [a, c]


def test_pause_all_stops_runs_and_holds_every_waiting_job(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    a, b = ids(queue.add(["https://x/a.png", "https://x/b.png"]))
    queue.pump()
    queue.pause_all()
    assert queue.paused_kind == "user" and driver.pauses[0][0] == "user"
    assert driver.runs[a].reason == Stopper.PAUSE
    assert queue.jobs[b].state == JobState.PAUSED and queue.waiting_count == 0
    report(queue, a, JobState.PAUSED, message="Paused by you.", pause_kind="user")
    queue.ended(a)
    assert driver.started == [a]
    queue.resume()
    assert queue.jobs[b].state == JobState.QUEUED and driver.started == [a, a]
    assert queue.waiting_jobs() == [queue.jobs[b]]


# --- retry, cancel, remove ----------------------------------------------------------------------


def test_retry_of_an_expired_job_sends_the_link_again(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1, connected=False)
    [job] = queue.add(["https://x/a.png"])
    job.state, job.job_id, job.res_url, job.mask_url = (JobState.EXPIRED, "j-1",
                                                        "https://r/c", "https://r/m")
    job.finished_at = time.time()
    queue.pump()          # not connected: stays waiting, and retry leaves waiting jobs alone
    queue.cancel(job.id)
    job.state = JobState.EXPIRED
    queue.retry(job.id)
    assert (job.state, job.job_id, job.res_url, job.mask_url) == (JobState.QUEUED, None,
                                                                  None, None)
    assert job.finished_at is None and driver.changed[-1].state == JobState.QUEUED


def test_retry_of_a_failed_poll_keeps_the_job_id(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    [job] = ids(queue.add(["https://x/a.png"]))
    queue.pump()
    report(queue, job, JobState.FAILED, job_id="j-1", message="gave up",
           completed_at=None)
    queue.ended(job)
    queue.retry(job)
    assert queue.jobs[job].job_id == "j-1"     # resumes by polling: no new charge
    assert driver.started == [job, job]


def test_retry_pressed_while_a_run_is_ending_is_done_once_it_has_ended(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    [job] = ids(queue.add(["https://x/a.png"]))
    queue.pump()
    report(queue, job, JobState.UNKNOWN, message="lost")
    queue.retry(job)
    assert driver.started == [job] and queue.jobs[job].state == JobState.UNKNOWN
    queue.ended(job)
    assert queue.jobs[job].state == JobState.QUEUED
    assert driver.started == [job, job]


def test_remove_pressed_while_a_run_is_ending_is_done_once_it_has_ended(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    [job] = queue.add(["https://x/a.png"])
    queue.pump()
    workdir = queue.workdir(job)
    workdir.mkdir(parents=True)
    report(queue, job.id, JobState.DONE)
    queue.remove([job.id])
    assert job.id in queue.jobs and driver.removed == []
    queue.ended(job.id)
    assert job.id not in queue.jobs and driver.removed == [job.id]
    assert not workdir.exists()


def test_remove_leaves_a_job_that_is_still_working_alone(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    [job] = ids(queue.add(["https://x/a.png"]))
    queue.pump()
    report(queue, job, JobState.CONVERTING, job_id="j-1")
    queue.remove([job])
    queue.ended(job)
    assert job in queue.jobs and driver.removed == []


def test_cancel_of_waiting_paused_and_running_jobs(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    a, b, c = ids(queue.add(["https://x/a.png", "https://x/b.png", "https://x/c.png"]))
    queue.pump()
    queue.cancel(b)
    assert queue.jobs[b].state == JobState.CANCELLED
    assert queue.jobs[b].message == "Stopped by you before it was sent."
    assert queue.jobs[b].finished_at is not None
    queue.jobs[c].job_id = "j-c"
    queue.pause_jobs([c])
    queue.cancel(c)
    assert queue.jobs[c].state == JobState.CANCELLED and "already paid for" in \
        queue.jobs[c].message
    queue.cancel(a)
    assert driver.runs[a].reason == Stopper.CANCEL          # the run writes its own end
    report(queue, a, JobState.CANCELLED, message="Stopped by you before it was sent.")
    queue.ended(a)
    assert driver.started == [a] and queue.idle


def test_clear_history_keeps_waiting_and_working_jobs(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    a, b, c = ids(queue.add(["https://x/a.png", "https://x/b.png", "https://x/c.png"]))
    queue.pump()
    report(queue, a, JobState.DONE)
    queue.ended(a)                   # b starts
    queue.clear_history()
    assert list(queue.jobs) == [b, c] and driver.removed == [a]


# --- what a run reports -----------------------------------------------------------------------


def test_a_crashed_run_fails_its_job_with_a_sentence_and_stores_it(driver, tmp_path, store):
    queue = make_queue(driver, tmp_path, store=store)
    [job] = ids(queue.add(["https://x/a.png"]))
    queue.pump()
    report(queue, job, JobState.CONVERTING, job_id="j-1")
    queue.crashed(job)
    queue.ended(job)
    crashed = queue.jobs[job]
    assert (crashed.state, crashed.message) == (JobState.FAILED, CRASHED)
    assert CRASHED == ("Something went wrong inside Cutout; the details are in the log. "
                       "Retry may work.")
    assert driver.changed[-1].state == JobState.FAILED
    store.flush()
    [stored] = store.load_all()
    assert (stored.state, stored.job_id) == (JobState.FAILED, "j-1")


def test_coins_are_counted_once_per_job(driver, tmp_path):
    queue = make_queue(driver, tmp_path)
    a, b = ids(queue.add(["https://x/a.png", "https://x/b.png"]))
    queue.pump()
    report(queue, a, JobState.CONVERTING, coins=20)
    report(queue, a, JobState.DOWNLOADING)
    report(queue, b, JobState.CONVERTING, coins=15)
    assert queue.session_coins == 35


def test_a_lost_cache_fails_a_done_job(driver, tmp_path):
    queue = make_queue(driver, tmp_path)
    [job] = queue.add(["https://x/a.png"])
    job.state, job.cutout_path, job.mask_path = (JobState.DONE, str(tmp_path / "c.png"),
                                                 str(tmp_path / "m.png"))
    queue.results_lost(job.id)
    assert job.state == JobState.FAILED and job.cutout_path is None


def test_close_stops_every_run_and_starts_nothing_more(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    a, b = ids(queue.add(["https://x/a.png", "https://x/b.png"]))
    queue.pump()
    queue.close()
    assert driver.runs[a].reason == Stopper.SHUTDOWN
    queue.ended(a)
    assert driver.started == [a] and queue.jobs[b].state == JobState.QUEUED


# --- restoring the history -------------------------------------------------------------------


def test_restore_resumes_by_job_id_and_never_resends_a_lost_submit(driver, tmp_path):
    now = time.time()
    lost = Job("https://x/lost.png", state=JobState.SUBMITTING)
    old = Job("https://x/old.png", state=JobState.CONVERTING, job_id="j-old",
              submitted_at=now - RESULT_LIFETIME - DAY)
    polling = Job("https://x/polling.png", state=JobState.CONVERTING, job_id="j-new",
                  submitted_at=now - 60)
    waiting = Job("https://x/waiting.png")
    done = Job("https://x/done.png", state=JobState.DONE, finished_at=now - DAY)
    queue = make_queue(driver, tmp_path, concurrency=4)
    queue.restore([lost, old, polling, waiting, done])
    assert driver.added == ids([lost, old, polling, waiting, done])
    assert lost.state == JobState.UNKNOWN and "Resubmit" in lost.message and lost.finished_at
    assert old.state == JobState.EXPIRED and "8 days" in old.message
    assert (polling.state, polling.job_id) == (JobState.QUEUED, "j-new")
    assert driver.started == ids([polling, waiting])
    assert done.state == JobState.DONE
    queue.restore([polling])         # a second read adds nothing twice
    assert driver.added.count(polling.id) == 1


def test_retention_drops_old_finished_jobs_and_their_files(driver, tmp_path, store):
    now = time.time()
    old_done = Job("https://x/a.png", state=JobState.DONE, finished_at=now - 40 * DAY)
    recent = Job("https://x/b.png", state=JobState.FAILED, finished_at=now - 2 * DAY)
    old_waiting = Job("https://x/c.png", state=JobState.PAUSED, created_at=now - 40 * DAY)
    for job in (old_done, recent, old_waiting):
        store.save(job)
    queue = make_queue(driver, tmp_path, store=store, clock=lambda: now)
    workdir = queue.workdir(old_done)
    workdir.mkdir(parents=True)
    assert set(ids(queue.read_history(0))) == set(ids([old_done, recent, old_waiting]))
    assert workdir.exists()
    assert set(ids(queue.read_history(30))) == set(ids([recent, old_waiting]))
    assert not workdir.exists()
    assert set(ids(store.load_all())) == set(ids([recent, old_waiting]))


def test_done_today_finds_todays_result_for_the_same_link(driver, tmp_path):
    now = time.time()
    queue = make_queue(driver, tmp_path, connected=False, clock=lambda: now)
    today, yesterday, failed = queue.add(["https://x/a.png", "https://x/b.png",
                                          "https://x/c.png"])
    for job, finished in ((today, now), (yesterday, now - DAY), (failed, now)):
        job.state, job.finished_at = JobState.DONE, finished
        job.cutout_path, job.mask_path = "c.png", "m.png"
    failed.state = JobState.FAILED
    found = queue.done_today_many(["https://x/a.png", "https://x/b.png", "https://x/c.png"])
    assert found[0] is today
    assert found[1] is None
    assert found[2] is None


def test_done_today_many_answers_each_source_with_its_newest_result(driver, tmp_path):
    now = time.time()
    queue = make_queue(driver, tmp_path, connected=False, clock=lambda: now)
    first, other, again = queue.add(["https://x/a.png", "https://x/b.png", "https://x/a.png"])
    for job in (first, other, again):
        job.state, job.finished_at = JobState.DONE, now
        job.cutout_path, job.mask_path = "c.png", "m.png"
    other.state = JobState.FAILED
    assert queue.done_today_many(["https://x/b.png", "https://x/a.png", "https://x/z.png",
                                  "https://x/a.png"]) == [None, again, None, again]
    assert queue.done_today_many([]) == []


# --- the CLI's way: many threads report at once -------------------------------------------------


def test_runs_reporting_from_many_threads_each_start_once(tmp_path):
    """As the CLI drives it: every run reports from its own thread; the lock serialises."""
    threads: list[threading.Thread] = []
    started: list[str] = []

    def run(job: Job, stopper: Stopper) -> None:
        for state in (JobState.SUBMITTING, JobState.CONVERTING, JobState.DOWNLOADING,
                      JobState.DONE):
            snapshot = job.snapshot()
            snapshot.state = state
            queue.job_changed(snapshot)
        queue.ended(job.id)

    def start(job: Job, stopper: Stopper) -> None:
        started.append(job.id)
        thread = threading.Thread(target=run, args=(job, stopper))
        threads.append(thread)
        thread.start()

    queue = JobQueue(QueueEvents(start=start), results_dir=tmp_path, concurrency=3)
    jobs = queue.add([f"https://x/{i}.png" for i in range(40)])
    queue.set_connected(True)
    deadline = time.monotonic() + 10
    while not queue.idle and time.monotonic() < deadline:
        time.sleep(0.01)
    for thread in list(threads):
        thread.join(5)
    assert sorted(started) == sorted(ids(jobs))
    assert all(job.state == JobState.DONE for job in queue.jobs.values())



# -- engines: HitPaw or this computer ---------------------------------------------------------
def test_jobs_are_added_with_their_engine_and_stored_with_it(driver, tmp_path, store):
    queue = make_queue(driver, tmp_path, store=store, connected=False)
    link, photo = queue.add(["https://a.example.com/1.png", "/home/ana/Pictures/cat #1.jpg"],
                            [Engine.HITPAW, Engine.LOCAL])
    assert (link.engine, photo.engine) == (Engine.HITPAW, Engine.LOCAL)
    assert photo.is_local_file and photo.name == "cat #1.jpg" and photo.stem == "cat--1"
    store.flush()
    stored = {j.id: j.engine for j in store.load_all()}
    assert stored == {link.id: Engine.HITPAW, photo.id: Engine.LOCAL}
    assert queue.add(["https://a.example.com/2.png"])[0].engine == Engine.HITPAW


def test_cut_out_here_switches_unsent_jobs_and_adds_sent_or_ended_ones_again(driver, tmp_path):
    queue = make_queue(driver, tmp_path, concurrency=1)
    running, waiting, paid, failed, held = queue.add(
        [f"https://a.example.com/{n}.png" for n in range(5)])
    report(queue, running.id, JobState.CONVERTING, job_id="hp-1", coins=20)
    queue.pause_jobs([held.id])                        # paused before its submit
    for job, state in ((paid, JobState.DONE), (failed, JobState.FAILED)):
        queue.jobs[job.id].state = state
        queue.jobs[job.id].job_id = f"hp-{job.id}" if state == JobState.DONE else None
        queue._pending.remove(job.id)
    switched, added = queue.cut_out_here([running.id, waiting.id, paid.id, failed.id, held.id])
    assert ids(switched) == [waiting.id, held.id]
    assert queue.jobs[waiting.id].engine == Engine.LOCAL
    assert queue.jobs[held.id].engine == Engine.LOCAL
    assert queue.jobs[held.id].state == JobState.PAUSED   # keeps its place and its pause
    assert queue.jobs[running.id].engine == Engine.HITPAW  # HitPaw is at it: left alone
    assert queue.jobs[paid.id].engine == Engine.HITPAW    # its paid result stays
    assert [j.url for j in added] == [paid.url, failed.url]
    assert all(j.engine == Engine.LOCAL and j.state == JobState.QUEUED for j in added)
    assert queue.waiting_jobs()[-2:] == [queue.jobs[j.id] for j in added]
    assert queue.cut_out_here([added[0].id]) == ([], [])  # already on this computer


def test_a_job_on_this_computer_never_counts_coins(driver, tmp_path):
    queue = make_queue(driver, tmp_path)
    local, = queue.add(["/tmp/a.jpg"], [Engine.LOCAL])
    report(queue, local.id, JobState.DONE, coins=0)
    report(queue, local.id, JobState.DONE, coins=5)   # whatever a pipeline says
    assert queue.session_coins == 0


# --- jobs cut out on this computer: places of their own, no key needed -------------------------


def test_local_jobs_have_their_own_few_places_and_never_take_hitpaws(driver, tmp_path):
    queue = JobQueue(driver.events(), results_dir=tmp_path / "results", concurrency=2,
                     local_concurrency=1)
    queue.set_connected(True)
    order = [Engine.LOCAL, Engine.HITPAW, Engine.LOCAL, Engine.HITPAW, Engine.HITPAW]
    jobs = queue.add([f"https://example.com/{i}.jpg" for i in range(5)], engines=order)
    queue.pump()
    # one local place, two HitPaw places: the second local job waits, the HitPaw jobs do not
    # wait behind it
    assert driver.started == [jobs[0].id, jobs[1].id, jobs[3].id]
    assert queue.waiting_jobs() == [queue.jobs[jobs[2].id], queue.jobs[jobs[4].id]]

    report(queue, jobs[0].id, JobState.DOWNLOADING)   # a linked source, fetched first:
    assert len(driver.started) == 3                   # the cut-out is still to come
    report(queue, jobs[0].id, JobState.CUTTING_OUT)
    assert len(driver.started) == 3
    report(queue, jobs[0].id, JobState.DONE)      # only previews remain: the place is free
    assert driver.started[-1] == jobs[2].id
    report(queue, jobs[2].id, JobState.DONE)      # two runs of one place at most
    assert len(driver.started) == 4
    queue.ended(jobs[0].id)
    queue.ended(jobs[2].id)
    assert queue.waiting_jobs() == [queue.jobs[jobs[4].id]]   # HitPaw's places still full


def test_local_jobs_start_without_a_key_and_through_key_and_coin_pauses(driver, tmp_path):
    queue = make_queue(driver, tmp_path, connected=False)
    hitpaw, local = queue.add(["https://example.com/a.jpg", "/photos/b.jpg"],
                              engines=[Engine.HITPAW, Engine.LOCAL])
    assert not queue.idle
    queue.pump()
    assert driver.started == [local.id]           # no connection: HitPaw's job waits
    queue.ended(local.id)
    assert queue.idle                             # nothing more starts until a key is given

    more = queue.add(["/photos/c.jpg"], engines=[Engine.LOCAL])[0]
    queue.pause("coins", "You are out of coins.")
    queue.pump()
    assert driver.started == [local.id, more.id]  # coins do not matter on this computer
    queue.ended(more.id)

    queue.resume()
    queue.pause_all()                              # the user's own pause holds every job
    last = queue.add(["/photos/d.jpg"], engines=[Engine.LOCAL])[0]
    queue.pump()
    assert last.id not in driver.started
    queue.set_connected(True)
    queue.resume()
    assert set(driver.started[-2:]) == {hitpaw.id, last.id}


def test_a_local_job_cut_off_by_a_crash_is_put_back_in_line_on_the_next_start(driver,
                                                                             tmp_path, store):
    job = Job("/photos/e.jpg", engine=Engine.LOCAL, state=JobState.CUTTING_OUT,
              submitted_at=time.time() - 10 * DAY, coins=0)
    store.save(job)
    queue = JobQueue(driver.events(), results_dir=tmp_path / "results", store=store)
    queue.restore(queue.read_history())            # no connection yet: it starts anyway
    assert driver.started == [job.id]
    assert queue.jobs[job.id].state == JobState.QUEUED   # its run moves it on from here


def test_a_cancelled_local_job_does_not_talk_about_sending_or_charges(driver, tmp_path):
    queue = make_queue(driver, tmp_path, connected=False)
    queue.pause_all()
    job = queue.add(["/photos/f.jpg"], engines=[Engine.LOCAL])[0]
    queue.cancel(job.id)
    message = queue.jobs[job.id].message
    assert queue.jobs[job.id].state == JobState.CANCELLED
    assert "sent" not in message and "paid" not in message
    assert "free" in message and message.endswith(".")
