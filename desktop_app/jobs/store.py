"""The history: every job in a small sqlite file, written before anything else happens to it.

All writes go through one writer thread, in order, each in its own transaction, so the GUI
thread never waits on the disk (``save_later``) while a worker can wait until its job id is
safely stored (``save``). WAL mode keeps readers and a kill mid-write from corrupting rows.
The file is opened by that thread too (and ``sqlite3`` imported there): making a store costs
the window nothing before its first paint.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.jobs.model import Job, JobState

if TYPE_CHECKING:
    import sqlite3

_COLUMNS = [f.name for f in fields(Job)]
_TYPES = {"created_at": "REAL", "submitted_at": "REAL", "completed_at": "REAL",
          "finished_at": "REAL", "coins": "INTEGER", "width": "INTEGER", "height": "INTEGER"}


class HistoryStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-writer")
        self._opened = self._writer.submit(self._open)   # the first thing the writer does

    def _open(self) -> sqlite3.Connection:
        import sqlite3

        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        cols = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" + (" PRIMARY KEY" if c == "id" else "")
                         for c in _COLUMNS)
        conn.execute(f"CREATE TABLE IF NOT EXISTS jobs ({cols})")
        existing = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
        for c in _COLUMNS:  # columns added by newer versions
            if c not in existing:
                conn.execute(f"ALTER TABLE jobs ADD COLUMN {c} {_TYPES.get(c, 'TEXT')}")
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        """The open connection (waits for the writer to have opened it; raises what opening
        it raised)."""
        return self._opened.result()

    # -- writes (ordered, one transaction each) ------------------------------------------
    def save(self, job: Job) -> None:
        """Store the job and wait until it is on disk."""
        self.save_later(job).result()

    def save_later(self, job: Job) -> Future:
        return self._writer.submit(self._upsert, [job.snapshot()])

    def save_many_later(self, jobs: list[Job]) -> Future:
        return self._writer.submit(self._upsert, [j.snapshot() for j in jobs])

    def delete_later(self, ids: list[str]) -> Future:
        return self._writer.submit(self._delete, list(ids))

    def flush(self) -> None:
        self._writer.submit(lambda: None).result()

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        if self._opened.exception() is None:
            with self._lock:
                self._conn.close()

    # -- reads ---------------------------------------------------------------------------
    def load_all(self) -> list[Job]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM jobs ORDER BY created_at, rowid").fetchall()
        jobs = []
        for row in rows:
            values = dict(zip(_COLUMNS, row))
            try:
                values["state"] = JobState(values["state"])
            except ValueError:
                values["state"] = JobState.FAILED
            jobs.append(Job(**values))
        return jobs

    # -- the writer thread's work -------------------------------------------------------
    def _upsert(self, jobs: list[Job]) -> None:
        placeholders = ", ".join("?" for _ in _COLUMNS)
        sql = f"INSERT OR REPLACE INTO jobs ({', '.join(_COLUMNS)}) VALUES ({placeholders})"
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    sql, [tuple(str(v) if isinstance(v, JobState) else v
                                for v in (getattr(j, c) for c in _COLUMNS)) for j in jobs])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _delete(self, ids: list[str]) -> None:
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany("DELETE FROM jobs WHERE id = ?", [(i,) for i in ids])
            self._conn.execute("COMMIT")
