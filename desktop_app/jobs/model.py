"""A job's data and the words for its states: one model for the GUI, the CLI and the history."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

RESULT_LIFETIME = 8 * 24 * 3600  # HitPaw keeps job ids and result files 8 days


class Engine(StrEnum):
    """Who cuts a job out: HitPaw's service (costs coins) or this computer (free, offline)."""
    HITPAW = "hitpaw"
    LOCAL = "local"


def choose_engine(source_is_local: bool, requested: str = "auto", *,
                  storage_ready: bool = False) -> Engine:
    """Who cuts out a source, for the window and the CLI alike.

    ``requested`` is "auto", "hitpaw" or "local". Auto: links go to HitPaw; local files go to
    HitPaw through the user's own storage when it is set up, else stay on this computer.
    (Whether "hitpaw" for a local file is possible without storage is the caller's question.)
    """
    if requested in (Engine.HITPAW, Engine.LOCAL):
        return Engine(requested)
    if source_is_local and not storage_ready:
        return Engine.LOCAL
    return Engine.HITPAW


class JobState(StrEnum):
    QUEUED = "queued"
    UPLOADING = "uploading"      # a local file on its way to the user's own storage (HitPaw)
    SUBMITTING = "submitting"
    CUTTING_OUT = "cutting out"  # the on-device engine at work
    CONVERTING = "converting"
    DOWNLOADING = "downloading"
    DONE = "done"
    FAILED = "failed"
    PAUSED = "paused"      # key, coins or the user: waits, keeps its place and its job id
    UNKNOWN = "unknown"    # a submit whose answer was lost: never resent behind the user's back
    EXPIRED = "expired"    # the result links are past their 8 days
    CANCELLED = "cancelled"


# The state groups, named once for the queue, the pipeline, the CLI and the window.
# Active: a worker is at it. Finished: nothing more happens unless the user asks (retention
# and "clear history" may drop these). Retryable: Retry/Resubmit has something to pick up.
# Resumable: what a restart puts back in line (a job id resumes by polling, at no charge).
ACTIVE_STATES = frozenset({JobState.UPLOADING, JobState.SUBMITTING, JobState.CUTTING_OUT,
                           JobState.CONVERTING, JobState.DOWNLOADING})
FINISHED_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.EXPIRED,
                             JobState.CANCELLED, JobState.UNKNOWN})
RETRYABLE_STATES = frozenset({JobState.FAILED, JobState.CANCELLED, JobState.UNKNOWN,
                              JobState.PAUSED, JobState.EXPIRED})
RESUMABLE_STATES = ACTIVE_STATES | {JobState.QUEUED}

_LABELS = {
    JobState.QUEUED: "Queued",
    JobState.UPLOADING: "Uploading",
    JobState.SUBMITTING: "Sending",
    JobState.CUTTING_OUT: "Cutting out",
    JobState.CONVERTING: "Processing",
    JobState.DOWNLOADING: "Downloading",
    JobState.DONE: "Done",
    JobState.FAILED: "Failed",
    JobState.PAUSED: "Paused",
    JobState.UNKNOWN: "Unknown, not resent",
    JobState.EXPIRED: "Expired",
    JobState.CANCELLED: "Cancelled",
}


USER_PAUSED = "Paused by you."


def cancelled_sentence(job: "Job") -> str:
    """Why a job the user stopped is stopped, and whether a retry costs coins."""
    if job.engine == Engine.LOCAL:
        return "Stopped by you; cut-outs on this computer are free, so Retry costs nothing."
    if job.job_id:
        return ("Stopped by you; the job was already paid for, so Retry picks it up again "
                "without a new charge.")
    return "Stopped by you before it was sent."


@dataclass
class Job:
    url: str                     # the source: an http(s) link, or a local file's absolute path
    id: str = field(default_factory=lambda: os.urandom(16).hex())  # as random as uuid4
    state: JobState = JobState.QUEUED
    job_id: str | None = None
    coins: int | None = None
    message: str = ""            # the sentence for FAILED, PAUSED, UNKNOWN, EXPIRED
    pause_kind: str = ""         # "key", "coins", "access" or "user" while PAUSED
    created_at: float = field(default_factory=time.time)
    submitted_at: float | None = None
    completed_at: float | None = None   # when the service reported COMPLETED
    finished_at: float | None = None    # when the job reached its final state here
    res_url: str | None = None
    mask_url: str | None = None
    original_url: str | None = None
    cutout_path: str | None = None
    mask_path: str | None = None
    original_path: str | None = None
    width: int | None = None
    height: int | None = None
    engine: Engine = Engine.HITPAW
    storage_key: str | None = None  # a local file's upload in the user's bucket, until deleted
    edited_mask_path: str | None = None  # touch-up's mask, beside the service's (jobs.edits)

    def move_to(self, state: JobState, message: str = "", **changes: object) -> None:
        """A pipeline's state change: the state, its sentence, and the fields that go with
        it (a pause's kind is kept only while paused; a final state stamps ``finished_at``)."""
        self.state, self.message = state, message
        if state != JobState.PAUSED:
            self.pause_kind = ""
        for name, value in changes.items():
            setattr(self, name, value)
        if state in FINISHED_STATES:
            self.finished_at = time.time()

    def snapshot(self) -> "Job":
        """A shallow copy, like ``replace(self)`` but without ``__init__``'s work per field
        (a tenth of the time): the queue hands one to the window for every job it adds or
        restores, a thousand at a time."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        return copy

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_local_file(self) -> bool:
        """The source is a file on this computer, not a web link."""
        return not self.url.lower().startswith(("http://", "https://"))

    @property
    def has_results(self) -> bool:
        return bool(self.cutout_path and self.mask_path)

    @property
    def status_text(self) -> str:
        label = _LABELS[self.state]
        if self.state == JobState.UPLOADING and self.message:
            return f"{label} {self.message}"   # "Uploading 42 %"
        if self.state == JobState.UNKNOWN:
            return label
        if self.message and self.state in RETRYABLE_STATES:  # UNKNOWN returned above
            return f"{label}: {self.message}"
        return label

    @property
    def short_status(self) -> str:
        return _LABELS[self.state]

    @property
    def row_status(self) -> str:
        """The state as the job list shows it: short enough for a row."""
        if self.state == JobState.PAUSED:
            return {"key": "Paused: the API key needs attention",
                    "coins": "Paused: out of coins",
                    "access": "Paused: the key's plan has no access",
                    "user": "Paused by you"}.get(self.pause_kind, "Paused")
        return self.status_text

    @property
    def name(self) -> str:
        """The file name ("photo.jpg") of the link or the local file, for titles."""
        if self.is_local_file:
            return PurePosixPath(self.url).name or self.url
        name = PurePosixPath(unquote(urlsplit(self.url).path)).name
        return name or urlsplit(self.url).netloc or self.url

    def elapsed(self, now: float | None = None) -> float | None:
        """Seconds from sending to the end (or to now, while it runs)."""
        if self.submitted_at is None:
            return None
        end = self.finished_at if self.finished_at is not None else (now or time.time())
        return max(0.0, end - self.submitted_at)

    def links_expire_at(self) -> float | None:
        return self.completed_at + RESULT_LIFETIME if self.completed_at else None

    @property
    def stem(self) -> str:
        return url_stem(self.url)


def url_stem(url: str) -> str:
    """A safe file-name stem from the link's last path segment ("photo.jpg" -> "photo"), or
    from a local file's name (where "#" and "%" are part of the name, not of a link)."""
    local = not url.lower().startswith(("http://", "https://"))
    name = PurePosixPath(url if local else unquote(urlsplit(url).path)).name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip("-._")
    return safe[:80] or "image"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
