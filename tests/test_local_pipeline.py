"""Jobs cut out on this computer, through ``run_job`` with the real model (no Qt).

Files are real files (EXIF, permissions, truncation, bombs), links are served over loopback
by the sandbox, and every test checks what the designer is told (state and sentence), what
is kept (files, the history row) and what is not (no coins, nothing half-written).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.jobs.control import Policy, Stopper
from desktop_app.jobs.model import Engine, Job, JobState
from desktop_app.jobs.pipeline import RunContext, run_job
from desktop_app.jobs.queue import JobQueue, QueueEvents
from desktop_app.jobs.store import HistoryStore
from desktop_app.sandbox import SandboxServer
from desktop_app.sandbox.samples import bomb_png, render_sample

ROOT = Path(__file__).resolve().parents[1]


def photo(folder: Path, name: str = "bust.jpg", size: tuple[int, int] = (320, 240), *,
          orientation: int | None = None) -> Path:
    """A JPEG of the sandbox's bust (an obvious subject on a plain background)."""
    path = folder / name
    image = render_sample(name, *size)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def local_job(source: Path | str) -> Job:
    return Job(str(source), engine=Engine.LOCAL)


def go(job: Job, tmp_path: Path, *, store: HistoryStore | None = None, **kw) -> Job:
    return run_job(job, RunContext(None, Policy(), store=store), tmp_path / "cache" / job.id,
                   **kw)


def written(tmp_path: Path, job: Job) -> list[str]:
    workdir = tmp_path / "cache" / job.id
    return sorted(p.name for p in workdir.iterdir()) if workdir.exists() else []


def assert_sentence(message: str, *needles: str) -> None:
    assert message and message.endswith("."), message
    assert "\n" not in message and "Traceback" not in message and "Error" not in message
    for needle in needles:
        assert needle.lower() in message.lower(), f"{needle!r} not in {message!r}"


# --- the happy paths ----------------------------------------------------------------------------


def test_a_file_is_cut_out_on_this_computer_with_its_history_row(tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    source = photo(tmp_path)
    seen: list[JobState] = []
    job = go(local_job(source), tmp_path, store=store,
             on_change=lambda snap: seen.append(snap.state))

    assert job.state == JobState.DONE, job.message
    assert seen == [JobState.CUTTING_OUT, JobState.DONE]
    assert job.coins == 0 and job.job_id is None
    assert (job.width, job.height) == (320, 240)
    with Image.open(job.cutout_path) as cutout:
        assert cutout.mode == "RGBA" and cutout.size == (320, 240)
        assert cutout.getpixel((4, 4))[3] < 64 and cutout.getpixel((160, 150))[3] > 192
    with Image.open(job.mask_path) as mask:
        assert mask.mode == "L" and mask.size == (320, 240)
    # the original is a copy of the user's file, kept with the results (a moved file, or
    # a file edited later, does not change what the history shows)
    assert Path(job.original_path).parent == tmp_path / "cache" / job.id
    assert Path(job.original_path).read_bytes() == source.read_bytes()
    assert job.elapsed() is not None and job.finished_at >= job.submitted_at
    assert job.links_expire_at() is None       # nothing on a server to expire
    stored = {j.id: j for j in store.load_all()}[job.id]
    assert stored.state == JobState.DONE and stored.engine == Engine.LOCAL
    assert stored.coins == 0 and stored.cutout_path == job.cutout_path
    store.close()


def test_a_rotated_phone_photo_is_cut_out_upright(tmp_path):
    job = go(local_job(photo(tmp_path, orientation=6)), tmp_path)   # "rotate 90 clockwise"
    assert job.state == JobState.DONE, job.message
    assert (job.width, job.height) == (240, 320)
    with Image.open(job.mask_path) as mask:
        assert mask.size == (240, 320)


def test_a_phone_heic_is_cut_out_and_its_original_kept_as_a_jpeg_anyone_can_read(tmp_path):
    from desktop_app.jobs.images import register_heif

    register_heif()
    source = tmp_path / "IMG_0001.HEIC"
    exif = Image.Exif()
    exif[0x0112] = 6                                  # portrait, as phones store it
    render_sample("phone.png", 320, 240).save(source, "HEIF", quality=90, exif=exif.tobytes())
    job = go(local_job(source), tmp_path)
    assert job.state == JobState.DONE, job.message
    assert (job.width, job.height) == (240, 320)
    # readable without pillow-heif (a later start, Qt): a JPEG of the upright pixels
    assert Path(job.original_path).read_bytes()[:3] == b"\xff\xd8\xff"
    with Image.open(job.original_path) as original:
        assert original.format == "JPEG" and original.size == (240, 320)


def test_a_link_is_cut_out_on_this_computer_without_hitpaw(tmp_path):
    seen: list[tuple[JobState, bool]] = []
    with SandboxServer(processing_time=0.05) as srv:
        url = srv.sample_url("dog.png", 300, 200)
        job = go(local_job(url), tmp_path, on_change=lambda snap: seen.append(
            (snap.state, (tmp_path / "cache" / snap.id / "original").exists())))
        stats = srv.stats
    assert job.state == JobState.DONE, job.message
    # "Downloading" while the link is fetched, "Cutting out" once the image is here
    assert seen == [(JobState.DOWNLOADING, False), (JobState.CUTTING_OUT, True),
                    (JobState.DONE, True)]
    assert job.coins == 0 and stats.submits == 0     # the service was never asked
    assert (job.width, job.height) == (300, 200)
    assert written(tmp_path, job) == ["cutout.png", "mask.png", "original"]
    with Image.open(job.original_path) as original:
        assert original.format == "PNG" and original.size == (300, 200)


@pytest.mark.parametrize("where,words", [("/no/such/picture.jpg", "check the link"),
                                         ("/samples/not-an-image.png", "not an image")],
                         ids=["gone", "web-page"])
def test_a_bad_link_fails_with_a_sentence_and_leaves_nothing(tmp_path, where, words):
    with SandboxServer(processing_time=0.05) as srv:
        job = go(local_job(f"{srv.base_url}{where}"), tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, "link", words)
    assert "HitPaw" not in job.message and "8 days" not in job.message
    assert written(tmp_path, job) == []


# --- bad files: one sentence each, nothing written ------------------------------------------------


def _missing(folder: Path) -> Path:
    return folder / "gone.jpg"


def _not_an_image(folder: Path) -> Path:
    path = folder / "notes.jpg"
    path.write_text("shopping list: eggs, flour\n")
    return path


def _empty(folder: Path) -> Path:
    path = folder / "empty.png"
    path.write_bytes(b"")
    return path


def _truncated(folder: Path) -> Path:
    path = photo(folder, "cut.jpg")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _bomb(folder: Path) -> Path:
    path = folder / "bomb.png"
    path.write_bytes(bomb_png())
    return path


def _gif(folder: Path) -> Path:
    path = folder / "anim.gif"
    Image.new("P", (40, 30)).save(path, "GIF")
    return path


@pytest.mark.parametrize("make,words", [
    (_missing, "was not found"),
    (_not_an_image, "not an image"),
    (_empty, "0 bytes"),
    (_truncated, "damaged or incomplete"),
    (_bomb, "too large"),
    (_gif, "GIF"),
], ids=["missing", "not-an-image", "empty", "truncated", "bomb", "unsupported"])
def test_a_bad_file_fails_with_its_sentence_and_nothing_is_written(tmp_path, make, words):
    job = go(local_job(make(tmp_path)), tmp_path)
    assert job.state == JobState.FAILED
    assert_sentence(job.message, words)
    assert job.coins == 0
    assert written(tmp_path, job) == []


UNREADABLE_CHILD = """
import os, sys
from pathlib import Path
from desktop_app.jobs.control import Policy
from desktop_app.jobs.images import register_heif
from desktop_app.jobs.local_pipeline import run_local_job
from desktop_app.jobs.model import Engine, Job
from desktop_app.jobs.pipeline import RunContext, run_job
import desktop_app.engine, PIL.JpegImagePlugin, PIL.PngImagePlugin
register_heif()                      # everything loaded while Python's files are readable
desktop_app.engine.warm_up()
os.setgid(65534); os.setuid(65534)   # nobody: chmod 000 means something again
job = run_job(Job(sys.argv[1], engine=Engine.LOCAL), RunContext(None, Policy()),
              Path(sys.argv[2]))
print(job.state.value)
print(job.message)
"""


def test_an_unreadable_file_fails_with_its_sentence(tmp_path):
    """chmod 000 stops anyone but root. Run as root (as CI does), the job runs in a child
    process that has given root up, so the system really checks the permission."""
    if os.geteuid() != 0:
        source = photo(tmp_path, "private.jpg")
        source.chmod(0)
        workdir = tmp_path / "cache" / "job"
        job = run_job(local_job(source), RunContext(None, Policy()), workdir)
        state, message = job.state.value, job.message
    else:
        # pytest's own folders are closed to other users: one the child can reach
        folder = Path(tempfile.mkdtemp(prefix="cutout-unreadable-"))
        try:
            folder.chmod(0o755)
            source = photo(folder, "private.jpg")
            source.chmod(0)
            workdir = folder / "cache" / "job"
            (folder / "cache").mkdir()
            (folder / "cache").chmod(0o777)   # the child could write its results there
            if any(not os.stat(parent).st_mode & 0o001 for parent in ROOT.parents):
                pytest.skip("the project's folder is closed to other users, so no "
                            "unprivileged child can run it: untestable as root here")
            child = subprocess.run([sys.executable, "-c", UNREADABLE_CHILD, str(source),
                                    str(workdir)], cwd=ROOT, capture_output=True, text=True,
                                   timeout=60,
                                   env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
            assert child.returncode == 0, child.stderr
            state, message = child.stdout.splitlines()[:2]
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    assert state == "failed"
    assert_sentence(message, "private.jpg", "permission to open it")
    assert not workdir.exists() or not any(workdir.iterdir())


# --- stopping -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason,state", [(Stopper.CANCEL, JobState.CANCELLED),
                                          (Stopper.PAUSE, JobState.PAUSED),
                                          (Stopper.SHUTDOWN, JobState.CUTTING_OUT)])
def test_a_stop_while_cutting_out_says_why_and_leaves_nothing(tmp_path, reason, state):
    store = HistoryStore(tmp_path / "history.sqlite3")
    stopper = Stopper()

    def on_change(snap: Job) -> None:
        if snap.state == JobState.CUTTING_OUT:
            stopper.stop(reason)

    job = go(local_job(photo(tmp_path)), tmp_path, store=store, stopper=stopper,
             on_change=on_change)
    assert job.state == state
    stored = {j.id: j for j in store.load_all()}[job.id]
    assert stored.state == state   # a shutdown leaves "cutting out": the next start resumes
    if state == JobState.CANCELLED:
        assert_sentence(job.message, "free")
        assert "sent" not in job.message and "paid" not in job.message
    if state == JobState.PAUSED:
        assert job.message == "Paused by you." and job.pause_kind == "user"
    assert written(tmp_path, job) == []
    store.close()


def _watch_inference(stopper: Stopper, started: list[float], *, cancel: bool) -> threading.Thread:
    """Wait until the job's inference runs (its engine token has a run in flight); then
    note when, and cancel the job through its stopper if asked."""
    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            tokens = [hook.__self__ for hook in list(stopper._on_stop)]
            if tokens and tokens[0]._running:
                started.append(time.monotonic())
                if cancel:
                    stopper.stop(Stopper.CANCEL)
                return
            time.sleep(0.0005)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_cancel_aborts_a_running_inference_and_the_job_ends_at_once(tmp_path):
    """Without the stopper reaching the engine, a cancelled job would only stop after its
    inference, the full-size mask and both PNGs: compare with an uncancelled run."""
    from desktop_app import engine

    engine.warm_up()
    source = photo(tmp_path, "big.jpg", (3000, 2000))
    times = []
    for cancel in (False, True):
        stopper, started = Stopper(), []
        watcher = _watch_inference(stopper, started, cancel=cancel)
        job = go(local_job(source), tmp_path, stopper=stopper)
        ended = time.monotonic()
        watcher.join(5)
        assert started, "the inference was never seen running"
        times.append(ended - started[0])
        assert job.state == (JobState.CANCELLED if cancel else JobState.DONE), job.message
    uncancelled, cancelled = times
    assert cancelled < uncancelled * 0.5, times
    assert written(tmp_path, job) == []


def test_the_stopper_reaches_linked_work_at_once_even_if_already_stopped():
    stopper, calls = Stopper(), []
    with stopper.linked(lambda: calls.append("first")):
        stopper.stop(Stopper.CANCEL)
        assert calls == ["first"]
    with stopper.linked(lambda: calls.append("late")):   # stopped before it was linked
        assert calls == ["first", "late"]
    stopper.stop(Stopper.CANCEL)
    assert calls == ["first", "late"]                     # unlinked on the way out


# --- resuming after a crash -----------------------------------------------------------------------


def test_a_local_job_cut_off_by_a_crash_is_cut_out_again_on_the_next_start(tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    source = photo(tmp_path)
    crashed = local_job(source)
    crashed.state, crashed.submitted_at, crashed.coins = JobState.CUTTING_OUT, time.time(), 0
    store.save(crashed)
    workdir = tmp_path / "results" / crashed.id
    workdir.mkdir(parents=True)
    (workdir / "cutout.png").write_bytes(b"half a png")     # what the crash left

    started: list[tuple[Job, Stopper]] = []
    queue = JobQueue(QueueEvents(start=lambda job, stopper: started.append((job, stopper))),
                     results_dir=tmp_path / "results", store=store)
    queue.restore(queue.read_history())                      # no key, no connection
    assert [job.id for job, _ in started] == [crashed.id]

    job, stopper = started[0]
    run_job(job, RunContext(None, Policy(), store=store), queue.workdir(job), stopper=stopper,
            on_change=queue.job_changed)
    queue.ended(job.id)
    assert queue.jobs[crashed.id].state == JobState.DONE
    assert queue.session_coins == 0
    with Image.open(queue.jobs[crashed.id].cutout_path) as cutout:
        assert cutout.size == (320, 240)
    assert {j.id: j for j in store.load_all()}[crashed.id].state == JobState.DONE
    store.close()
    shutil.rmtree(workdir)
