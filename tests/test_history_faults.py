"""A history that cannot be used never stops the jobs: it is said once, and jobs go on.

Real faults, not mocks: a file of garbage, a second process holding an exclusive lock, and a
real read-only or full file system (a small tmpfs mounted in a private mount namespace with
``unshare``, which needs no root on a kernel that allows user namespaces).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_app.jobs.model import Job, JobState
from desktop_app.jobs.store import HistoryStore


def _store(path: Path) -> tuple[HistoryStore, list[str]]:
    heard: list[str] = []
    return HistoryStore(path, on_trouble=heard.append), heard


def test_a_damaged_history_is_kept_aside_and_a_fresh_one_started(tmp_path):
    path = tmp_path / "history.sqlite3"
    garbage = b"this is not sqlite " * 200
    path.write_bytes(garbage)

    store, heard = _store(path)
    job = Job("https://example.com/a.png", state=JobState.CONVERTING, job_id="j-1")
    store.save(job)
    assert [j.id for j in store.load_all()] == [job.id]
    store.close()

    kept = list(tmp_path.glob("history.sqlite3.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == garbage   # kept, never deleted
    assert not store.in_memory
    assert len(heard) == 1 and "damaged" in heard[0] and kept[0].name in heard[0]
    reopened, again = _store(path)                               # the new file is real
    assert [j.job_id for j in reopened.load_all()] == ["j-1"] and again == []
    reopened.close()


def test_a_history_locked_by_another_process_gives_way_to_memory(tmp_path):
    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        print("locked", flush=True)
        sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        store, heard = _store(path)
        job = Job("https://example.com/b.png")
        store.save(job)                                           # does not raise
        assert [j.id for j in store.load_all()] == [job.id]
        assert store.in_memory
        assert heard == ["Cutout could not open its history (it is in use by another "
                         "program), so jobs run as usual but are not kept after Cutout "
                         "closes."]
        store.close()
    finally:
        holder.communicate("", timeout=10)


def _in_a_small_tmpfs(folder: Path, options: str, script: str) -> dict:
    """Run ``script`` (which prints one JSON line) with a fresh tmpfs mounted on ``folder``."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to mount a small file system")
    code = textwrap.dedent(script)
    folder.mkdir()
    proc = subprocess.run(
        ["unshare", "--mount", "--map-root-user", "sh", "-c",
         f'mount -t tmpfs -o {options} tmpfs "$1" && exec "$2" -c "$3"', "sh",
         str(folder), sys.executable, code],
        capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "mount" in proc.stderr and "Traceback" not in proc.stderr:
        pytest.skip(f"this kernel does not let a test mount a tmpfs: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_history_on_a_read_only_disk_gives_way_to_memory(tmp_path):
    result = _in_a_small_tmpfs(tmp_path / "ro", "size=256k,ro", f"""
        import json
        from desktop_app.jobs.model import Job
        from desktop_app.jobs.store import HistoryStore
        heard = []
        store = HistoryStore({str(tmp_path / 'ro' / 'cutout' / 'history.sqlite3')!r},
                             on_trouble=heard.append)
        job = Job("https://example.com/c.png")
        store.save(job)
        print(json.dumps({{"loaded": [j.id == job.id for j in store.load_all()],
                          "memory": store.in_memory, "heard": heard}}))
        """)
    assert result["loaded"] == [True] and result["memory"] is True
    assert result["heard"] == ["Cutout could not open its history (the disk is read-only), so "
                               "jobs run as usual but are not kept after Cutout closes."]


def test_a_disk_that_fills_up_mid_session_keeps_the_jobs_going(tmp_path):
    result = _in_a_small_tmpfs(tmp_path / "full", "size=96k", f"""
        import json
        from desktop_app.jobs.model import Job
        from desktop_app.jobs.store import HistoryStore
        heard = []
        store = HistoryStore({str(tmp_path / 'full' / 'history.sqlite3')!r},
                             on_trouble=heard.append)
        jobs = [Job("https://example.com/%d.png" % n, message="x" * 8000) for n in range(40)]
        for job in jobs:
            store.save(job)              # must never raise: a failed save fails the job
        last = jobs[-1]
        print(json.dumps({{"memory": store.in_memory, "heard": heard,
                          "last_kept": any(j.id == last.id for j in store.load_all())}}))
        """)
    assert result["memory"] is True and result["last_kept"] is True
    assert len(result["heard"]) == 1
    assert result["heard"][0].startswith("Cutout can no longer write its history (the disk is "
                                         "full)")
