"""The engine's helper process (``engine.helper``): calls answered from another process,
failures and stops carried back, a dead helper turned into a sentence and replaced.

Real processes throughout (multiprocessing's "spawn", as the window uses it) and the real
model for the cut-out; the functions the helper runs for these tests are this module's own,
which the helper imports by name.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

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


# -- the tests --------------------------------------------------------------------------------
@pytest.fixture
def helper():
    made = EngineHelper(niceness=5)
    yield made
    made.close()


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


def test_every_call_in_flight_fails_when_the_helper_dies(helper, tmp_path):
    started = tmp_path / "started"
    outcome: list[BaseException] = []

    def waiting_call() -> None:
        try:
            helper.call(wait_for_cancel, str(started), cancel=Cancel())
        except BaseException as err:  # noqa: BLE001 - the test looks at it
            outcome.append(err)

    thread = threading.Thread(target=waiting_call)
    thread.start()
    deadline = time.monotonic() + GIVE_UP_S
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(helper.pid, 9)
    thread.join(GIVE_UP_S)
    assert len(outcome) == 1 and str(outcome[0]) == HELPER_DIED


def test_a_cancel_reaches_a_running_call_in_the_helper(helper, tmp_path):
    started, cancel = tmp_path / "started", Cancel()
    outcome: list[object] = []

    def cancelled_call() -> None:
        try:
            outcome.append(helper.call(wait_for_cancel, str(started), cancel=cancel))
        except BaseException as err:  # noqa: BLE001 - the test looks at it
            outcome.append(err)

    thread = threading.Thread(target=cancelled_call)
    thread.start()
    deadline = time.monotonic() + GIVE_UP_S
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    asked = time.monotonic()
    cancel.cancel()
    thread.join(GIVE_UP_S)
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome
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


def test_closing_the_helper_fails_a_call_still_waiting_instead_of_leaving_it_hanging(helper,
                                                                                      tmp_path):
    started = tmp_path / "started"
    outcome: list[BaseException] = []

    def waiting_call() -> None:
        try:
            helper.call(wait_for_cancel, str(started))
        except BaseException as err:  # noqa: BLE001 - the test looks at it
            outcome.append(err)

    thread = threading.Thread(target=waiting_call)
    thread.start()
    deadline = time.monotonic() + GIVE_UP_S
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    helper.close()
    thread.join(GIVE_UP_S)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], EngineError)
