"""Never lose a job, a coin or the key: a killed process, a marker key, the log."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from desktop_app import paths
from desktop_app.jobs.model import JobState
from desktop_app.logs import RedactingFilter, register_secret, setup_logging
from desktop_app.sandbox import SandboxServer
from desktop_app.ui.main_window import MainWindow

WAIT_MS = 30000

CHILD = """
import os, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.ui.main_window import MainWindow
window = MainWindow()
window.show()
while not window.is_ready():
    app.processEvents()
window.intake.url_input.setPlainText("\\n".join(sys.argv[1:]))
window.intake.submit()
app.exec()
"""


def wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_sigkill_mid_batch_loses_nothing_and_charges_nothing_twice(qtbot, sandbox,
                                                                   monkeypatch):
    sandbox.processing_time = 6.0
    monkeypatch.setenv("HITPAW_API_BASE", sandbox.base_url)
    monkeypatch.setenv("HITPAW_API_KEY", "sandbox-key")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    urls = [sandbox.sample_url(f"killed{i}.png") for i in range(8)]
    child = subprocess.Popen([sys.executable, "-c", CHILD, *urls], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: sandbox.stats.jobs_created >= 4, 30)
        time.sleep(0.5)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL

    db = sqlite3.connect(paths.history_db())
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = db.execute("SELECT state, job_id FROM jobs").fetchall()
    db.close()
    assert len(rows) == 8                                   # every link is still there
    with_id = [r for r in rows if r[1]]
    never_sent = [r for r in rows if not r[1] and r[0] == "queued"]
    assert len(with_id) == 4
    created_before = sandbox.stats.jobs_created

    sandbox.processing_time = 0.2
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.is_ready)
    try:
        qtbot.waitUntil(lambda: len(window.controller.jobs) == 8 and all(
            j.state == JobState.DONE for j in window.controller.jobs.values()),
            timeout=WAIT_MS)
        # the four with a job id resumed by polling: only the never-sent ones cost coins
        assert sandbox.stats.jobs_created == created_before + len(never_sent)
        assert {j.job_id for j in window.controller.jobs.values()} >= {r[1] for r in with_id}
    finally:
        window.close()


def test_closing_with_twenty_jobs_running_ends_every_thread_in_two_seconds(
        qtbot, sandbox, monkeypatch):
    sandbox.processing_time = 30.0
    monkeypatch.setenv("HITPAW_API_BASE", sandbox.base_url)
    monkeypatch.setenv("HITPAW_API_KEY", "sandbox-key")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.is_ready)
    window.controller.concurrency = 20
    window.intake.url_input.setPlainText(
        "\n".join(sandbox.sample_url(f"c{i}.png") for i in range(20)))
    window.intake.submit()
    qtbot.waitUntil(lambda: sandbox.stats.jobs_created == 20 and all(
        j.job_id for j in window.controller.jobs.values()), timeout=WAIT_MS)
    workers = list(window.controller._workers.values())
    assert len(workers) == 20
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 2.0
    assert not any(worker.isRunning() for worker in workers)
    window.controller.store.flush()
    db = sqlite3.connect(paths.history_db())
    stored = db.execute("SELECT COUNT(*) FROM jobs WHERE job_id IS NOT NULL").fetchone()[0]
    db.close()
    assert stored == 20


def test_the_key_appears_in_no_file_the_app_writes(qtbot, isolated_home, monkeypatch):
    marker = "MARKER-KEY-7f3a9c51e2"
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging()
    try:
        with SandboxServer(api_keys=(marker,), processing_time=0.2) as server:
            monkeypatch.setenv("HITPAW_API_BASE", server.base_url)
            monkeypatch.setenv("HITPAW_API_KEY", marker)
            window = MainWindow()
            qtbot.addWidget(window)
            window.show()
            qtbot.waitUntil(window.is_ready)
            window.intake.url_input.setPlainText("\n".join([
                server.sample_url("a.png"), server.sample_url("not-an-image.png")]))
            window.intake.submit()
            qtbot.waitUntil(lambda: len(window.controller.jobs) == 2 and all(
                j.state in (JobState.DONE, JobState.FAILED)
                for j in window.controller.jobs.values()), timeout=WAIT_MS)
            logging.getLogger("desktop_app.test").warning("about to fail with %s", marker)
            try:
                raise RuntimeError(f"boom {marker}")
            except RuntimeError:
                logging.getLogger("desktop_app.test").exception("failure")
            window.close()
    finally:
        for handler in root.handlers[len(before):]:
            handler.flush()
            root.removeHandler(handler)
    written = [p for p in isolated_home.rglob("*") if p.is_file()]
    logs = [p for p in written if p.suffix == ".log"]
    assert logs and "[redacted]" in logs[0].read_text()
    assert any(p.name.startswith("history") for p in written)
    assert any(p.name == "settings.ini" for p in written)
    for path in written:
        assert marker.encode() not in path.read_bytes(), path


def test_redacting_filter_covers_messages_arguments_and_tracebacks():
    register_secret("SECRET-abc-123")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key=%s", ("SECRET-abc-123",),
                               None)
    try:
        raise ValueError("SECRET-abc-123 leaked")
    except ValueError:
        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "SECRET-abc-123" not in text
    assert text.count("[redacted]") >= 2  # the message, the exception (and its source line)


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.5:8080"])
def test_plain_http_to_another_host_needs_confirmation(url):
    from desktop_app.settings import is_plain_http_remote

    assert is_plain_http_remote(url)
    assert not is_plain_http_remote("http://127.0.0.1:8765")
    assert not is_plain_http_remote("http://localhost:8765")
    assert not is_plain_http_remote("https://api-base.hitpaw.com")
