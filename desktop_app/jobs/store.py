"""The history: every job in a small sqlite file, written before anything else happens to it.

All writes go through one writer thread, in order, each in its own transaction, so the GUI
thread never waits on the disk (``save_later``) while a worker can wait until its job id is
safely stored (``save``). WAL mode keeps readers and a kill mid-write from corrupting rows.
The file is opened by that thread too (and ``sqlite3`` imported there): making a store costs
the window nothing before its first paint.

The history must never stop the jobs. A file that is damaged is moved aside (kept, never
deleted) and a fresh one started; a file that cannot be opened or written (locked by another
program, a read-only or full disk) is replaced by an in-memory history for the rest of the
session. Either way ``on_trouble`` hears one sentence, once, saying what will not be kept.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from desktop_app.jobs.model import Engine, Job, JobState

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)

_COLUMNS = [f.name for f in fields(Job)]
_MEMORY = ":memory:"
_TYPES = {"created_at": "REAL", "submitted_at": "REAL", "completed_at": "REAL",
          "finished_at": "REAL", "coins": "INTEGER", "width": "INTEGER", "height": "INTEGER"}


class HistoryStore:
    def __init__(self, path: Path | None, *,
                 on_trouble: Callable[[str], None] | None = None) -> None:
        """``path`` None: a history in memory, kept for this session only."""
        self.path = Path(path) if path is not None else None
        self.on_trouble = on_trouble or (lambda sentence: None)
        self.in_memory = path is None
        self.trouble = ""              # the sentence said, if any
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-writer")
        self._opened = self._writer.submit(self._open)   # the first thing the writer does

    def _open(self) -> sqlite3.Connection:
        import sqlite3

        if self.path is None:
            return _connect(_MEMORY)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return _connect(str(self.path))
        except sqlite3.DatabaseError as err:
            if not _is_damaged(err):
                return self._use_memory(f"Cutout could not open its history ({_reason(err)})")
            moved = self._move_aside()
        except OSError as err:
            return self._use_memory(f"Cutout could not open its history ({_reason(err)})")
        try:
            conn = _connect(str(self.path))
        except (sqlite3.Error, OSError) as err:
            return self._use_memory(f"Cutout could not start a new history ({_reason(err)})")
        self._say(f"Cutout's history file was damaged, so it was kept aside as {moved.name} "
                  "and a new one was started; earlier jobs are not shown.")
        return conn

    def _use_memory(self, head: str) -> sqlite3.Connection:
        self.in_memory = True
        self._say(f"{head}, so jobs run as usual but are not kept after Cutout closes.")
        return _connect(_MEMORY)

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.replace(f"{target}{suffix}")
        return target

    def _say(self, sentence: str) -> None:
        if self.trouble:
            return
        self.trouble = sentence
        log.warning("history: %s", sentence)
        self.on_trouble(sentence)

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
            try:  # rows from before there was a choice of engine went to HitPaw
                values["engine"] = Engine(values["engine"] or Engine.HITPAW)
            except ValueError:
                values["engine"] = Engine.HITPAW
            jobs.append(Job(**values))
        return jobs

    # -- the writer thread's work -------------------------------------------------------
    def _upsert(self, jobs: list[Job]) -> None:
        placeholders = ", ".join("?" for _ in _COLUMNS)
        sql = f"INSERT OR REPLACE INTO jobs ({', '.join(_COLUMNS)}) VALUES ({placeholders})"
        rows = [tuple(str(v) if isinstance(v, (JobState, Engine)) else v
                      for v in (getattr(j, c) for c in _COLUMNS)) for j in jobs]
        self._write(lambda conn: conn.executemany(sql, rows))

    def _delete(self, ids: list[str]) -> None:
        self._write(lambda conn: conn.executemany("DELETE FROM jobs WHERE id = ?",
                                                  [(i,) for i in ids]))

    def _write(self, change: Callable[[sqlite3.Connection], object]) -> None:
        """One transaction; if the file can no longer be written (a full disk, a disk gone
        read-only), the rest of the session goes on in memory instead of failing jobs."""
        import sqlite3

        try:
            self._transaction(change)
        except sqlite3.Error as err:
            if self.in_memory:
                raise
            with self._lock:
                self._conn.close()
                self._opened = _done(self._use_memory(
                    f"Cutout can no longer write its history ({_reason(err)})"))
            self._transaction(change)

    def _transaction(self, change: Callable[[sqlite3.Connection], object]) -> None:
        import sqlite3

        with self._lock:
            self._conn.execute("BEGIN")
            try:
                change(self._conn)
                self._conn.execute("COMMIT")
            except BaseException:
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:  # SQLite already rolled back (a full disk does)
                    pass
                raise


def _connect(path: str) -> sqlite3.Connection:
    import sqlite3

    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=2.0)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        cols = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" + (" PRIMARY KEY" if c == "id" else "")
                         for c in _COLUMNS)
        conn.execute(f"CREATE TABLE IF NOT EXISTS jobs ({cols})")
        existing = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
        for c in _COLUMNS:  # columns added by newer versions
            if c not in existing:
                conn.execute(f"ALTER TABLE jobs ADD COLUMN {c} {_TYPES.get(c, 'TEXT')}")
        # A file another program holds locked is not ours to resume jobs from: find out now.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        raise
    return conn


def _is_damaged(err: Exception) -> bool:
    text = str(err).lower()
    return "not a database" in text or "malformed" in text


def _reason(err: Exception) -> str:
    """What went wrong, in the words a designer uses."""
    text = str(getattr(err, "strerror", None) or err).lower()
    for needle, words in (("locked", "it is in use by another program"),
                          ("busy", "it is in use by another program"),
                          ("readonly", "the disk is read-only"),
                          ("read-only", "the disk is read-only"),
                          ("full", "the disk is full"),
                          ("no space", "the disk is full"),
                          ("permission", "Cutout may not write there"),
                          ("unable to open", "the file cannot be opened")):
        if needle in text:
            return words
    return text.rstrip(".") or type(err).__name__


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future
