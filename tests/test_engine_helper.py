"""The engine's helper process (``engine.helper``): calls answered from another process,
failures and stops carried back, a dead helper turned into a sentence and replaced, an idle
one gone without a word and replaced on the next call.

Real processes throughout (multiprocessing's "spawn", as the window uses it) and the real
model for the cut-out; the functions the helper runs for these tests are this module's own,
which the helper imports by name.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from desktop_app.engine import Cancel, Cancelled, EngineError
from desktop_app.engine.helper import HELPER_DIED, EngineHelper
from desktop_app.jobs.local_pipeline import cut_out_file, cut_out_with_previews
from desktop_app.sandbox.samples import render_sample

GIVE_UP_S = 60


def photo(folder: Path, name: str = "bust.jpg", size: tuple[int, int] = (320, 240)) -> Path:
    path = folder / name
    render_sample(name, *size).save(path, "JPEG", quality=90)
    return path


# -- run in the helper ------------------------------------------------------------------------
def whose_pid(*, cancel: Cancel) -> tuple[int, bool]:
    """The helper's process id, and whether it has loaded onnxruntime by now."""
    return os.getpid(), "onnxruntime" in sys.modules


def quit_hard(*, cancel: Cancel) -> None:
    """As a crash in native code would: the helper ends without a word."""
    os._exit(3)


def wait_for_cancel(started: str, *, cancel: Cancel) -> str:
    """Note that the call runs (a file the test waits for), then wait for its cancel."""
    Path(started).touch()
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        cancel.check()
        time.sleep(0.005)
    return "never cancelled"


def fail_with(sentence: str, *, cancel: Cancel) -> None:
    raise EngineError(sentence)


def fail_with_a_bug(*, cancel: Cancel) -> None:
    raise ZeroDivisionError("a bug, not a sentence")


# -- shared set-up ----------------------------------------------------------------------------
@pytest.fixture
def make_helper():
    """Helpers as the window makes them (niced), each closed after the test."""
    made: list[EngineHelper] = []

    def make(**options: Any) -> EngineHelper:
        made.append(EngineHelper(niceness=5, **options))
        return made[-1]

    yield make
    for helper in made:
        helper.close()


@pytest.fixture
def helper(make_helper):
    return make_helper()


@dataclass
class Running:
    """A call on a thread of its own, already running in the helper; what it gave back."""

    thread: threading.Thread
    outcome: list[object] = field(default_factory=list)

    def finish(self) -> object:
        self.thread.join(GIVE_UP_S)
        assert not self.thread.is_alive(), "the call never came back"
        assert len(self.outcome) == 1, self.outcome
        return self.outcome[0]


@pytest.fixture
def call_running(tmp_path) -> Callable[..., Running]:
    """``call_running(helper, cancel)``: ``wait_for_cancel`` started in the helper, returned
    once it runs there (it has touched its file); its result or error lands in ``outcome``."""
    def start(helper: EngineHelper, cancel: Cancel | None = None) -> Running:
        started = tmp_path / f"started-{time.monotonic_ns()}"
        running = Running(threading.Thread(target=lambda: None))

        def call() -> None:
            try:
                running.outcome.append(helper.call(wait_for_cancel, str(started),
                                                   cancel=cancel))
            except BaseException as err:  # noqa: BLE001 - the test looks at it
                running.outcome.append(err)

        running.thread = threading.Thread(target=call)
        running.thread.start()
        assert until(started.exists), "the call never started in the helper"
        return running

    return start


def until(condition: Callable[[], bool], limit: float = GIVE_UP_S) -> bool:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def gone(pid: int) -> bool:
    """No such process any more (ended and reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# -- the tests --------------------------------------------------------------------------------
def test_a_cut_out_runs_in_another_process_that_loads_the_model(helper, tmp_path):
    result = helper.call(cut_out_file, photo(tmp_path), tmp_path / "job")
    assert result.cutout_path.exists() and result.mask_path.exists()
    assert (result.width, result.height) == (320, 240)
    pid, loaded = helper.call(whose_pid)
    assert pid == helper.pid and pid != os.getpid() and loaded


def test_the_window_s_cut_out_also_leaves_the_previews(helper, tmp_path):
    workdir = tmp_path / "job"
    helper.call(cut_out_with_previews, photo(tmp_path, size=(2400, 1800)), workdir)
    for name in ("preview-cutout.png", "preview-mask.png", "preview-original.png", "thumb.png"):
        assert (workdir / name).exists(), name


def test_the_helper_runs_below_this_process_s_priority(helper):
    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread nice is Linux's")
    helper.call(whose_pid)
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, helper.pid) >= min(19, mine + 5)


def test_a_failure_comes_back_as_its_sentence_and_a_bug_as_a_plain_one(helper, tmp_path):
    with pytest.raises(EngineError, match="^The photo is odd; try another.$"):
        helper.call(fail_with, "The photo is odd; try another.")
    with pytest.raises(EngineError) as caught:
        helper.call(fail_with_a_bug)
    assert "ZeroDivision" not in str(caught.value) and str(caught.value).endswith(".")
    with pytest.raises(EngineError, match="was not found"):
        helper.call(cut_out_file, tmp_path / "gone.jpg", tmp_path / "job")


def test_a_helper_that_dies_fails_its_call_with_a_sentence_and_the_next_starts_anew(helper):
    first, _ = helper.call(whose_pid)
    with pytest.raises(EngineError) as caught:
        helper.call(quit_hard)
    assert str(caught.value) == HELPER_DIED
    second, _ = helper.call(whose_pid)
    assert second != first


def test_every_call_in_flight_fails_when_the_helper_dies(helper, call_running):
    running = [call_running(helper, Cancel()), call_running(helper, Cancel())]
    os.kill(helper.pid, 9)
    for call in running:
        outcome = call.finish()
        assert isinstance(outcome, EngineError) and str(outcome) == HELPER_DIED


def test_a_cancel_reaches_a_running_call_in_the_helper(helper, call_running):
    cancel = Cancel()
    running = call_running(helper, cancel)
    asked = time.monotonic()
    cancel.cancel()
    assert isinstance(running.finish(), Cancelled), running.outcome
    assert time.monotonic() - asked < 5


def test_a_cancel_stops_a_real_cut_out_long_before_it_would_end(helper, tmp_path):
    """The cut-out of a 24 MP photo, stopped half a second in, against the same uncut."""
    source = photo(tmp_path, "big.jpg", (6000, 4000))
    helper.call(cut_out_file, photo(tmp_path), tmp_path / "warm")   # the model is loaded
    t0 = time.monotonic()
    helper.call(cut_out_file, source, tmp_path / "whole")
    whole = time.monotonic() - t0
    cancel = Cancel()
    timer = threading.Timer(0.5, cancel.cancel)
    t0 = time.monotonic()
    timer.start()
    with pytest.raises(Cancelled):
        helper.call(cut_out_file, source, tmp_path / "stopped", cancel=cancel)
    stopped = time.monotonic() - t0
    assert stopped < whole * 0.6, (stopped, whole)
    assert not (tmp_path / "stopped" / "cutout.png").exists()


def test_closing_the_helper_fails_a_call_still_waiting_instead_of_leaving_it_hanging(
        helper, call_running):
    running = call_running(helper)
    helper.close()
    assert isinstance(running.finish(), EngineError), running.outcome


# -- the idle helper leaves -------------------------------------------------------------------
IDLE_S = 0.5


def test_an_idle_helper_leaves_and_the_next_cut_out_starts_a_new_one(make_helper, tmp_path,
                                                                     caplog):
    helper = make_helper(idle_exit_s=IDLE_S)
    first = helper.call(cut_out_file, photo(tmp_path), tmp_path / "one")
    old = helper.pid
    assert old is not None
    assert until(lambda: gone(old), 10), "the idle helper is still there"
    assert helper.pid is None
    second = helper.call(cut_out_file, photo(tmp_path), tmp_path / "two")
    assert second.cutout_path.exists() and (second.width, second.height) == (first.width,
                                                                            first.height)
    assert helper.pid not in (None, old)
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_a_helper_started_ahead_of_any_job_leaves_when_none_comes(make_helper):
    helper = make_helper(idle_exit_s=IDLE_S)
    helper.start()      # as the window warms the engine when a local job is added
    pid = helper.pid
    assert pid is not None and until(lambda: gone(pid), 10)


def test_a_call_in_flight_keeps_the_helper_past_its_idle_time(make_helper, call_running):
    helper = make_helper(idle_exit_s=IDLE_S)
    cancel = Cancel()
    running = call_running(helper, cancel)
    pid = helper.pid
    time.sleep(4 * IDLE_S)
    assert helper.pid == pid and not gone(pid)
    cancel.cancel()
    assert isinstance(running.finish(), Cancelled), running.outcome
    assert until(lambda: gone(pid), 10), "the helper stayed after its last call"


class CallsAsItLeaves(EngineHelper):
    """A helper whose idle exit lets a call start at its worst moment: after the window
    decided the helper goes, before (or while) the helper is told to."""

    def __init__(self, call_while_stopping: bool, **options: Any) -> None:
        super().__init__(**options)
        self.call_while_stopping = call_while_stopping
        self.during: list[object] = []

    def _stop_idle(self, process: Any, conn: Any) -> None:
        def call() -> None:
            try:
                self.during.append((process.pid, self.call(whose_pid)[0]))
            except BaseException as err:  # noqa: BLE001 - the test looks at it
                self.during.append(err)

        if self.during:      # one such call per test
            super()._stop_idle(process, conn)
            return
        if self.call_while_stopping:
            thread = threading.Thread(target=call)
            thread.start()
            super()._stop_idle(process, conn)
            thread.join(GIVE_UP_S)
        else:
            call()
            super()._stop_idle(process, conn)


@pytest.mark.parametrize("while_stopping", [False, True], ids=["before-stop", "during-stop"])
def test_a_call_made_as_the_idle_helper_leaves_is_answered_by_a_new_one(while_stopping):
    helper = CallsAsItLeaves(while_stopping, niceness=5, idle_exit_s=IDLE_S)
    try:
        helper.call(whose_pid)
        assert until(lambda: bool(helper.during), 30)
        [answer] = helper.during
        assert isinstance(answer, tuple), answer
        leaving, answered_by = answer
        assert answered_by != leaving
        assert until(lambda: gone(leaving), 10)
    finally:
        helper.close()


def test_calls_spaced_around_the_idle_time_all_succeed(make_helper):
    """Each call comes about when the helper would leave: early, late, at the moment."""
    helper = make_helper(idle_exit_s=0.3)
    pids = set()
    for offset in (-0.03, 0.0, 0.01, 0.03, -0.01, 0.02, 0.0, 0.05):
        pids.add(helper.call(whose_pid)[0])
        time.sleep(0.3 + offset)
    time.sleep(1.0)           # surely gone now, however late the machine's timers run
    pids.add(helper.call(whose_pid)[0])
    assert len(pids) >= 2     # it did leave in between, and nobody noticed
