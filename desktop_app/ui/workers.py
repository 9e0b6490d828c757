"""Worker threads. They report by signals only; the GUI never reads their state directly.

Each ``JobWorker`` runs one job through the Qt-free pipeline with its own HTTP session, and
hands the GUI thread ready-to-paint previews, decoded here, off the GUI thread.

The HTTP stack and Pillow (about 200 ms of imports) are imported inside the workers, in their
threads, on first use: the window paints first, and never waits for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from desktop_app.api.connection import Connection
from desktop_app.jobs.control import Policy, ServiceTimeEstimator, Stopper
from desktop_app.jobs.model import Engine, Job, JobState
from desktop_app.jobs.store import HistoryStore

if TYPE_CHECKING:
    import requests

    from desktop_app.jobs.local_pipeline import Cutter
    from desktop_app.jobs.previews import PreviewFiles
    from desktop_app.jobs.turns import ResultCheck
    from desktop_app.storage import Storage

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Previews:
    """Scaled images for the three panes and the list's thumbnail (all QImage, not QPixmap)."""

    original: QImage | None
    cutout: QImage
    mask: QImage
    thumb: QImage
    check: ResultCheck | None = None    # sizes, frames, the turn that matches (jobs.turns)
    # the panes' previews halved, by pane name ("original", "cutout", "mask"), made here
    halvings: dict[str, list[QImage]] = field(default_factory=dict)


HALVED_FROM = 1000   # px across: a preview this wide comes with its halvings


def load_previews(files: PreviewFiles) -> Previews:
    """The previews, and the halvings of each big pane preview, which panes at fit draw
    from. Halved on the GUI thread at the first paint of each job shown (1600 px to 800 and
    400 px, three panes) they cost 6-8 ms there (bench_hitches case 3); Qt's halving here
    held the GIL ~1.5 ms a time, so Pillow makes them, premultiplied or in the picture's
    own mode (its reduce of straight RGBA is ~6x slower, which added ~60 ms between a click
    and the pictures: bench_memory)."""
    from desktop_app.ui.pyramid import read_with_halvings

    def read(path: Path | None, halved_from: int = 1 << 30) -> list[QImage]:
        if path is None or not path.exists():
            return []
        try:
            return read_with_halvings(path, halved_from)
        except (OSError, ValueError, SyntaxError) as err:   # Pillow's ways of saying "bad file"
            log.warning("a preview could not be read: %s", type(err).__name__)
            return []

    panes = {name: read(path, HALVED_FROM) for name, path in
             (("original", files.original), ("cutout", files.cutout), ("mask", files.mask))}
    if not panes["cutout"] or not panes["mask"]:
        raise OSError("the cached previews could not be read")
    cutout = panes["cutout"][0]
    thumb = read(files.thumb)
    return Previews(panes["original"][0] if panes["original"] else None, cutout,
                    panes["mask"][0], thumb[0] if thumb else cutout.scaled(96, 96),
                    halvings={name: found[1:] for name, found in panes.items()
                              if len(found) > 1})


def previews_for(job: Job, workdir: Path) -> Previews:
    """Make (once) and load the previews of a finished job, of the result that saving uses
    (``jobs.edits.result_paths``), and check it against its original. Runs in a worker."""
    from dataclasses import replace

    from desktop_app.api.download import IMAGE_WORK
    from desktop_app.jobs.edits import edited_previews
    from desktop_app.jobs.previews import ensure_previews, use_big_image_blocks
    from desktop_app.jobs.turns import check_result, result_files

    use_big_image_blocks()
    cutout, mask = result_files(job)
    files = ensure_previews(workdir, cutout, mask,
                            Path(job.original_path) if job.original_path else None)
    with IMAGE_WORK:   # one whole-image job at a time: the window keeps a core
        previews = load_previews(edited_previews(job, files))
        try:
            return replace(previews, check=check_result(job, (files.cutout, files.original)))
        except (OSError, ValueError, SyntaxError) as err:   # the pictures still show
            log.warning("checking the result against its original failed: %s", err)
            return previews


@dataclass(frozen=True)
class JobSetup:
    """What every job worker of a window shares; read when a job starts, so a job started
    after the user changed the settings or the key uses the new ones. No connection (no key
    yet) is fine for jobs cut out on this computer."""

    connection: Connection | None
    policy: Policy
    store: HistoryStore | None = None
    estimator: ServiceTimeEstimator | None = None
    storage: Storage | None = None     # the user's bucket, for local files sent to HitPaw
    strip_location: bool = True
    cutter: Cutter | None = None       # the engine's helper process, for local jobs


class JobWorker(QThread):
    """Runs one job from wherever it stopped until it is done, failed, paused or stopped.

    It never decides a job's fate itself: a bug here is reported (``crashed``) and the
    queue writes the failure, as it does for everything that happens to a job outside a run.
    """

    job_changed = Signal(object)            # a Job snapshot
    previews_ready = Signal(str, object)    # local job id, Previews
    crashed = Signal(str)                   # local job id: a bug, the details are in the log

    def __init__(self, job: Job, setup: JobSetup, workdir: Path, stopper: Stopper,
                 session: requests.Session | None = None, parent=None) -> None:
        super().__init__(parent)
        self.job_id = job.id
        self._job = job.snapshot()           # the worker's own copy
        self._setup = setup
        self._workdir = workdir
        # Lent by the controller, used by one thread at a time; made here when none is lent.
        self.session: requests.Session | None = session
        self.stopper = stopper

    def run(self) -> None:
        try:
            from desktop_app.jobs.pipeline import RunContext, run_job
            from desktop_app.jobs.previews import use_big_image_blocks

            use_big_image_blocks()  # before the first 24-megapixel decode in this process
            setup = self._setup
            if self.session is None and setup.connection is not None:
                self.session = setup.connection.new_session()
            if self._job.engine == Engine.LOCAL:   # the cut-out itself runs in the helper
                context = RunContext(None, setup.policy, store=setup.store,
                                     download_session=self.session, cutter=setup.cutter)
            else:
                context = RunContext(setup.connection.client(self.session), setup.policy,
                                     store=setup.store, estimator=setup.estimator,
                                     storage=setup.storage, strip_location=setup.strip_location)
            job = run_job(self._job, context, self._workdir, stopper=self.stopper,
                          on_change=self.job_changed.emit)
            if job.state == JobState.DONE and not self.stopper.stopped:
                try:
                    self.previews_ready.emit(job.id, previews_for(job, self._workdir))
                except (OSError, ValueError) as err:
                    log.warning("previews for %s failed: %s", job.id, err)
        except Exception:  # noqa: BLE001 - a bug must not kill the thread silently
            log.exception("job worker crashed")
            self.crashed.emit(self.job_id)
