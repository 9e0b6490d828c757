"""The upload step of a local file sent to HitPaw, and the clean-up of what it leaves.

``share_local_file`` runs inside ``pipeline._Run.go`` just before the submit: prepare the
file (``upload_prep``), put it in the user's bucket with progress on the row, presign a
15-minute link and GET its first byte as HitPaw will. Only when all of that worked does the
submit (and its coins) happen. ``release_upload`` runs when the run ends and deletes the
object; ``clean_leftovers`` deletes, at start-up, what a crash left behind.

The object's key is in the history from before the first byte is sent, so a crash at any
moment leaves a key to delete. The presigned link lives only in the run (never stored,
never logged): it is a credential for as long as it lives.
"""

from __future__ import annotations

import logging
import shutil
from typing import TYPE_CHECKING, Iterable

from desktop_app.jobs.control import Stopper
from desktop_app.jobs.images import LocalImageError
from desktop_app.jobs.model import RESUMABLE_STATES, Engine, Job, JobState

if TYPE_CHECKING:
    from desktop_app.jobs.pipeline import _Run
    from desktop_app.jobs.store import HistoryStore
    from desktop_app.storage import Storage

log = logging.getLogger(__name__)

NO_STORAGE = ("HitPaw needs a link, and no storage is set up to make one for a file on this "
              "computer: set one up in Settings > Storage, or cut it out on this computer.")
UPLOAD_FOLDER = "upload"   # in the job's work folder, for a converted copy


def needs_upload(job: Job) -> bool:
    return job.engine == Engine.HITPAW and job.is_local_file


def share_local_file(run: _Run) -> bool:
    """Make ``run.file_url`` a link HitPaw can fetch; False when the job ended instead
    (FAILED with its sentence). A link's job passes straight through."""
    job = run.job
    if not needs_upload(job):
        return True
    from desktop_app.jobs.upload_prep import prepare_for_upload
    from desktop_app.storage import StorageError, UploadStopped

    storage = run.storage
    if storage is None:
        run.set(JobState.FAILED, NO_STORAGE)
        return False
    _delete(storage, job.storage_key)   # an earlier run's object, if a crash left one
    run.set(JobState.UPLOADING, storage_key=None)
    folder = run.workdir / UPLOAD_FOLDER
    uploaded = False
    try:
        prepared = prepare_for_upload(job.url, folder, strip_location=run.strip_location)
        run.check_stop()
        key = storage.new_key(prepared.suffix)
        run.set(JobState.UPLOADING, "0 %", storage_key=key)   # stored before any byte goes
        storage.put(prepared.path, key, content_type=prepared.content_type,
                    on_progress=_progress_reporter(run),
                    should_stop=lambda: run.stopper.stopped)
        uploaded = True
        run.check_stop()
        run.file_url = storage.presign_get(key)
        storage.check_link(run.file_url)
    except LocalImageError as err:
        run.set(JobState.FAILED, str(err))
        return False
    except UploadStopped:
        # The key stays: a stop that came as the last part went up may find the object
        # already made, so the run's end deletes it (deleting nothing costs one request).
        run.check_stop()         # raises: the run ends as the stopper asked
        raise
    except OSError as err:   # writing the converted copy: a full or read-only cache disk
        run.set(JobState.FAILED, "Cutout could not write the copy to upload "
                f"({(err.strerror or 'disk error').lower()}): free some disk space, then "
                "retry.", storage_key=None)
        return False
    except StorageError as err:
        log.warning("upload of job %s failed: %s (%s)", job.id, err.kind, err.code)
        # a put that failed left nothing (s3transfer aborts a multipart upload)
        run.set(JobState.FAILED, str(err), **({} if uploaded else {"storage_key": None}))
        return False
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if prepared.why:
        log.info("job %s: %s before the upload", job.id, prepared.why)
    return True


def _progress_reporter(run: _Run):
    """"Uploading 42 %" on the row, each whole percent once; not written to the history
    (the state and the key already are), so a 50 MB file costs no disk writes."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        percent = 100 if total <= 0 else int(done * 100 / total)
        if percent != shown[0]:
            shown[0] = percent
            run.job.message = f"{percent} %"
            run.on_change(run.job.snapshot())
    return report


def release_upload(run: _Run) -> None:
    """When a run ends: delete its object, unless Cutout is closing (then the next start
    does it, and closing is not held up by the network)."""
    job = run.job
    if (not job.storage_key or run.storage is None
            or run.stopper.reason == Stopper.SHUTDOWN):
        return
    if _delete(run.storage, job.storage_key):
        job.storage_key = None
        if run.store is not None:
            run.store.save(job)
        run.on_change(job.snapshot())


def clean_leftovers(storage: Storage, jobs: Iterable[Job], store: HistoryStore | None = None,
                    *, older_than: float | None = None) -> list[str]:
    """At start-up: delete the objects of stored jobs that no run will pick up again (a
    job that resumes deletes its own when its run ends), then sweep Cutout's folder in the
    bucket for objects older than a link's life. Returns the ids of the jobs cleaned.
    Raises ``StorageError`` only for the sweep; a key that cannot be deleted now stays in
    the history for the next start."""
    from desktop_app.storage import LEFTOVER_AGE

    cleaned = []
    for job in jobs:
        if job.storage_key and job.state not in RESUMABLE_STATES and _delete(
                storage, job.storage_key):
            job.storage_key = None
            if store is not None:
                store.save_later(job)
            cleaned.append(job.id)
    storage.delete_leftovers(LEFTOVER_AGE if older_than is None else older_than)
    return cleaned


def delete_uploads(storage: Storage, keys: Iterable[str]) -> int:
    """Delete these objects of Cutout's (jobs being forgotten); returns how many went."""
    return sum(_delete(storage, key) for key in keys)


def _delete(storage: Storage, key: str | None) -> bool:
    """Delete one of Cutout's objects; True when it is gone (or was never ours to keep)."""
    from desktop_app.storage import StorageError

    if not key:
        return True
    if not storage.owns(key):
        log.warning("a stored upload key is outside Cutout's folder; left alone")
        return True
    try:
        storage.delete(key)
    except StorageError as err:
        log.warning("could not delete an upload (%s); the next start tries again", err.kind)
        return False
    return True
