"""One Cutout window per user, checked with real processes.

Each test starts ``python -m desktop_app`` in its own folders (XDG_* under tmp_path), so the
lock file and the local socket are private to the test, as they are private to a user.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop_app.jobs.model import Job, JobState
from desktop_app.jobs.store import HistoryStore
from desktop_app.ui.single_instance import Launch, SingleInstance, server_name

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parent.parent


def child_env(tmp_path: Path, sandbox) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HITPAW_API_KEY": "sandbox-key",
           "HITPAW_API_BASE": sandbox.base_url,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp_path / var.lower())
    return env


def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "xdg_data_home" / "cutout-desktop" / "window.lock"


def start_window(tmp_path: Path, sandbox, *links: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "desktop_app", *links], cwd=ROOT,
                            env=child_env(tmp_path, sandbox),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for(condition, seconds: float, app: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if app is not None and app.poll() is not None:
            raise AssertionError(app.stdout.read().decode(errors="replace"))
        time.sleep(0.1)
    return condition()


def answers(tmp_path: Path) -> bool:
    """The running window takes a launch with no links and says ok."""
    return SingleInstance(lock_path(tmp_path)).hand_over([], 1000) == Launch.HANDED_OVER


def stop(app: subprocess.Popen) -> int:
    if app.poll() is None:
        app.send_signal(signal.SIGTERM)
    try:
        return app.wait(15)
    except subprocess.TimeoutExpired:
        app.kill()
        return app.wait()


def log_text(tmp_path: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*.log"))


def test_a_second_launch_hands_its_links_to_the_first_window_and_exits(
        tmp_path, sandbox, qapp):
    first = start_window(tmp_path, sandbox)
    try:
        assert wait_for(lambda: answers(tmp_path), 30, first)
        link = sandbox.sample_url("second-launch.png")
        started = time.monotonic()
        second = start_window(tmp_path, sandbox, link)
        assert second.wait(20) == 0, second.stdout.read().decode(errors="replace")
        assert time.monotonic() - started < 15
        # the first window took the link: one submit, results downloaded
        assert wait_for(lambda: sandbox.stats.downloads >= 2, 30, first)
        assert sandbox.stats.submits == 1
    finally:
        assert stop(first) == 0


def test_a_stale_lock_from_a_crashed_window_is_taken_over(tmp_path, sandbox, qapp):
    lock = lock_path(tmp_path)
    lock.parent.mkdir(parents=True)
    crashed = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os
        from PySide6.QtCore import QLockFile
        lock = QLockFile({str(lock)!r})
        assert lock.tryLock(0)
        os._exit(9)                      # a crash: the lock file stays behind
        """)], timeout=30)
    assert crashed.returncode == 9 and lock.exists()
    link = sandbox.sample_url("after-a-crash.png")
    app = start_window(tmp_path, sandbox, link)
    try:
        assert wait_for(lambda: sandbox.stats.downloads >= 2, 30, app)   # it runs as usual
        assert answers(tmp_path)                                         # and is the one
    finally:
        assert stop(app) == 0


HUNG_WINDOW = """
import sys
from PySide6.QtCore import QCoreApplication, QLockFile
from PySide6.QtNetwork import QLocalServer
app = QCoreApplication([])
lock = QLockFile(sys.argv[1])
lock.setStaleLockTime(0)
assert lock.tryLock(0)
server = QLocalServer()
QLocalServer.removeServer(sys.argv[2])
assert server.listen(sys.argv[2])
print("hung", flush=True)
sys.stdin.read()                         # never runs the event loop: never answers
"""


def test_a_window_that_does_not_answer_is_reported_and_nothing_is_resumed(
        tmp_path, sandbox, qapp):
    lock = lock_path(tmp_path)
    lock.parent.mkdir(parents=True)
    history = HistoryStore(lock.parent / "history.sqlite3")   # a job the hung window owns
    history.save(Job(sandbox.sample_url("owned.png"), state=JobState.CONVERTING,
                     job_id="owned-by-the-first-window", submitted_at=time.time()))
    history.close()
    hung = subprocess.Popen([sys.executable, "-c", HUNG_WINDOW, str(lock), server_name(lock)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert hung.stdout.readline().strip() == "hung"
        app = start_window(tmp_path, sandbox)
        try:
            assert wait_for(lambda: "does not answer" in log_text(tmp_path), 30, app)
            time.sleep(3)                     # longer than a first poll would take
            assert sandbox.stats.polls == 0 and sandbox.stats.submits == 0
            assert app.poll() is None         # this window stays open and usable
        finally:
            assert stop(app) == 0
    finally:
        hung.communicate("", timeout=10)
    reopened = HistoryStore(lock.parent / "history.sqlite3")
    assert [j.job_id for j in reopened.load_all()] == ["owned-by-the-first-window"]
    reopened.close()


def test_the_command_line_tool_works_beside_the_window(tmp_path, sandbox, qapp):
    app = start_window(tmp_path, sandbox)
    try:
        assert wait_for(lambda: answers(tmp_path), 30, app)
        out = tmp_path / "out"
        cli = subprocess.run([sys.executable, "-m", "desktop_app.cli",
                              sandbox.sample_url("beside.png"), "--output", str(out)],
                             cwd=ROOT, env=child_env(tmp_path, sandbox),
                             capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert (out / "beside-cutout.png").exists()
        assert app.poll() is None
    finally:
        assert stop(app) == 0
