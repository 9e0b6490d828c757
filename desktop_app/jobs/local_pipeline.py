"""One job cut out on this computer: ``queued -> (downloading, for a link) -> cutting out ->
done`` (or failed, paused, cancelled), for the window's workers and the CLI alike.

The source is a file on this computer or a web link (any link may be cut out here, for free:
it is downloaded without the API key, within the usual size and time limits). The results
land in the job's work folder exactly where a HitPaw job's do (``cutout.png``, ``mask.png``,
``original``), so the viewer, saving and the history treat both engines the same way. Each
state is written to the history before anyone hears of it; a job interrupted by a crash is
stored as "downloading" or "cutting out", and the queue puts it back in line on the next
start.

``original``: a byte copy of the user's file, not a path to it (a history outlives files
that are moved, renamed or edited) and not a re-encoded upright copy. Measured on a 24 MP
photo on a busy two-core machine: the copy takes under 10 ms, a JPEG 0.1-0.2 s (and loses
quality), a PNG 2.5-3.5 s, against 1.7-2.2 s for the bare decode-to-mask as rembg runs it
and 3.4-4.9 s for the whole job (2.0-2.5 times the bare time; the two PNGs the engine writes
are most of the rest). It keeps its EXIF orientation, which every reader of ``original``
applies (previews, full-size views). HEIC/HEIF is the exception: only a process that loaded
pillow-heif can read it, so its upright pixels are saved as a JPEG.

Everything that touches the full-size pixels (decode, model, the two PNGs, a HEIF's JPEG) is
one function, ``cut_out_file``, so the window can run it in the engine's helper process
(``engine.helper``: a GIL of its own) and give the job a ``cutter`` that sends it there; the
CLI and the tests run it in their own process, the default.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from desktop_app.api.defaults import DownloadLimits
from desktop_app.jobs.control import Stopper
from desktop_app.jobs.model import (
    USER_PAUSED,
    Job,
    JobState,
    cancelled_sentence,
)

if TYPE_CHECKING:
    import requests

    from desktop_app.engine import Cancel, LocalResult
    from desktop_app.jobs.store import HistoryStore

ORIGINAL = "original"
_RESULTS = ("cutout.png", "mask.png", ORIGINAL)
_NOT_FOUND = ("The link did not lead to an image (its server says it is not there, or not "
              "public); check the link.")
_NOT_AN_IMAGE = ("The link leads to something that is not an image (perhaps a web page); "
                 "use the image's own address.")


Cutter = Callable[[Path, Path, "Optional[Cancel]"], "LocalResult"]
"""Cuts a source file out into a work folder: ``cut_out_file``, here or in the helper."""


def cut_out_file(source: Path, workdir: Path, *, cancel: Cancel | None = None) -> LocalResult:
    """Decode ``source`` upright, write ``cutout.png`` and ``mask.png`` into ``workdir``
    and, for a HEIF, its upright pixels as the JPEG ``original``. A file that cannot be
    read, or a failure, is an ``EngineError`` with its sentence; a stop is ``Cancelled``."""
    from desktop_app.engine import EngineError, cut_out_to
    from desktop_app.jobs.images import LocalImageError, open_upright

    try:
        image = open_upright(source)
    except LocalImageError as err:
        raise EngineError(str(err)) from None
    if cancel is not None:
        cancel.check()
    result = cut_out_to(image, workdir, cancel=cancel)
    if _is_heif(source):
        part = workdir / (ORIGINAL + ".part")
        try:
            image.convert("RGB").save(part, "JPEG", quality=95)
            os.replace(part, workdir / ORIGINAL)
        except OSError as err:
            part.unlink(missing_ok=True)
            raise EngineError(_disk_sentence(err)) from None
    return result


def cut_out_with_previews(source: Path, workdir: Path, *,
                          cancel: Cancel | None = None) -> LocalResult:
    """``cut_out_file``, then the window's small previews of the results and the original
    (``jobs.previews``): the window's cutter runs this in the engine's helper, so the
    full-size decodes that previews take happen there too, not in the window's process."""
    from desktop_app.jobs.previews import ensure_previews, use_big_image_blocks

    use_big_image_blocks()
    result = cut_out_file(source, workdir, cancel=cancel)
    if cancel is not None:
        cancel.check()
    kept = workdir / ORIGINAL
    ensure_previews(workdir, result.cutout_path, result.mask_path,
                    kept if kept.exists() else source)
    return result


def here(source: Path, workdir: Path, cancel: Cancel | None) -> LocalResult:
    """The ``Cutter`` that cuts out in this process (the CLI's, the tests')."""
    return cut_out_file(source, workdir, cancel=cancel)


class _Stop(Exception):
    pass


class _Failed(Exception):
    """The job cannot be cut out; ``str()`` is its sentence."""


def run_local_job(job: Job, workdir: Path, *, store: HistoryStore | None = None,
                  stopper: Stopper | None = None,
                  on_change: Callable[[Job], None] = lambda job: None,
                  session: requests.Session | None = None,
                  limits: DownloadLimits | None = None, cutter: Cutter | None = None) -> Job:
    """Cut ``job`` out on this computer; returns it in its final (or paused) state.

    ``session`` downloads a linked source (a new one is made if none is lent); a stop asked
    through ``stopper`` aborts a running inference at once (see ``Stopper.linked``);
    ``cutter`` does the cutting out (``here`` when None).
    """
    run = _LocalRun(job, Path(workdir), store, stopper or Stopper(), on_change, session,
                    limits or DownloadLimits())
    run.cutter = cutter or here
    try:
        run.go()
    except _Stop:
        run.stopped()
    finally:
        if run.session is not None and session is None:
            run.session.close()   # made for this job's download
    return job


class _LocalRun:
    def __init__(self, job: Job, workdir: Path, store: HistoryStore | None, stopper: Stopper,
                 on_change: Callable[[Job], None], session: requests.Session | None,
                 limits: DownloadLimits) -> None:
        self.job, self.workdir, self.store = job, workdir, store
        self.stopper, self.on_change = stopper, on_change
        self.session, self.limits = session, limits
        self.cutter: Cutter = here

    def set(self, state: JobState, message: str = "", **changes) -> None:
        job = self.job
        job.move_to(state, message, **changes)
        if self.store is not None:
            self.store.save(job)   # on disk before anyone else hears of it
        self.on_change(job.snapshot())

    def check_stop(self) -> None:
        if self.stopper.stopped:
            raise _Stop()

    def stopped(self) -> None:
        self.discard_results()
        reason = self.stopper.reason
        if reason == Stopper.SHUTDOWN:
            return  # stored as "cutting out": the next start cuts it out again
        if reason == Stopper.PAUSE:
            self.set(JobState.PAUSED, USER_PAUSED, pause_kind="user")
        else:
            self.set(JobState.CANCELLED, cancelled_sentence(self.job))

    def go(self) -> None:
        from desktop_app.engine import Cancel, Cancelled, EngineError

        self.check_stop()
        self.job.finished_at = None
        first = JobState.CUTTING_OUT if self.job.is_local_file else JobState.DOWNLOADING
        self.set(first, submitted_at=time.time(), coins=0, job_id=None,
                 cutout_path=None, mask_path=None, original_path=None)
        cancel = Cancel()
        try:
            with self.stopper.linked(cancel.cancel):
                source = self.source()
                self.check_stop()
                result = self.cutter(source, self.workdir, cancel)
                self.check_stop()
                original = self.keep_original(source)
        except Cancelled:
            raise _Stop() from None
        except (_Failed, EngineError) as err:
            if self.stopper.stopped:   # e.g. the helper closed as the window quits
                raise _Stop() from None
            self.discard_results()
            self.set(JobState.FAILED, str(err))
            return
        self.set(JobState.DONE, cutout_path=str(result.cutout_path),
                 mask_path=str(result.mask_path), original_path=str(original),
                 width=result.width, height=result.height)

    # -- the source ------------------------------------------------------------------------
    def source(self) -> Path:
        """The source file (a linked one downloaded first, the job showing "Downloading"
        until then)."""
        if self.job.is_local_file:
            return Path(self.job.url)
        source = self.download()
        self.check_stop()
        self.set(JobState.CUTTING_OUT)
        return source

    def download(self) -> Path:
        """Fetch a linked source into the work folder as ``original``."""
        from desktop_app.api.download import download_image
        from desktop_app.api.errors import DownloadError, ResultExpiredError

        if self.session is None:
            import requests

            self.session = requests.Session()
        try:
            return download_image(self.job.url, self.workdir / ORIGINAL, self.session,
                                  self.limits, what="image").path
        except ResultExpiredError:
            raise _Failed(_NOT_FOUND) from None
        except DownloadError as err:
            if err.user_message.endswith("is not an image."):
                raise _Failed(_NOT_AN_IMAGE) from None
            raise _Failed(err.user_message) from None

    def keep_original(self, source: Path) -> Path:
        """The original beside the results (see the module's docstring for why a copy)."""
        target = self.workdir / ORIGINAL
        if not self.job.is_local_file or _is_heif(source):
            return target  # downloaded there already, or written upright by cut_out_file
        part = target.with_name(ORIGINAL + ".part")
        try:
            shutil.copyfile(source, part)
            os.replace(part, target)
        except OSError as err:
            part.unlink(missing_ok=True)
            raise _Failed(_disk_sentence(err)) from None
        return target

    def discard_results(self) -> None:
        """Nothing half-done stays in the cache: no cut-out without its mask and original."""
        for name in _RESULTS:
            (self.workdir / name).unlink(missing_ok=True)
        try:
            self.workdir.rmdir()  # only if empty: previews of an earlier run stay
        except OSError:
            pass


def _is_heif(path: Path) -> bool:
    """HEIC/HEIF by its header ("ftyp" + a HEIF brand), whatever the file is called."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"hevx",
                                                   b"mif1", b"msf1", b"heim", b"heis")


def _disk_sentence(err: OSError) -> str:
    import errno

    if err.errno == errno.ENOSPC:
        return "The cut-out could not be saved because the disk is full; free some space and try again."
    return ("The cut-out could not be saved in Cutout's cache folder; check that the disk has "
            "free space and try again.")
