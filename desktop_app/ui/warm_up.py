"""The window's warm-up: what it imports (``import_job_stack_then_freeze``), and when it
runs: once the restored history is in the list, not while it paints.

The warm-up (``MainWindow._warm_up``) imports the job stack in a worker: ~300 ms of Python
that holds the GIL most of the time. Started a fixed 100 ms after the window was complete,
it ran while a restored history of 1,000 jobs filled the list and its thumbnails painted
(bench_hitches case 4), and on a busy machine the importing worker was preempted while it
held the GIL: the list's paints waited for a core and for the GIL at once (one GIL wait of
46 ms seen). So it waits until the history has been shown and the thumbnails of its
finished jobs have arrived, then ``DELAY_MS`` more; ``LATEST_MS`` after the start at the
latest, whatever the history does (the warm-up is also what lets Python's collector run
again, see ``ui.interpreter``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from desktop_app.ui.interpreter import freeze_start_up

DELAY_MS = 100      # after the history and its thumbnails are in
LATEST_MS = 3000    # after ``start``, whatever happens


class SettledStart(QObject):
    """Calls ``act`` once, when the restored history has settled in the window."""

    def __init__(self, controller: QObject, act: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._act = act
        self._done = False
        self._thumbnails_due = False
        controller.jobs_added.connect(self._jobs_added)
        controller.thumbnails_ready.connect(self._thumbnails_arrived)
        controller.history_shown.connect(self._history_shown)
        self._shown = False

    def start(self) -> None:
        """From now on (the window is complete; its history is being read)."""
        QTimer.singleShot(LATEST_MS, self, self._run)

    def _jobs_added(self, jobs: list) -> None:
        if not self._shown and any(job.has_results for job in jobs):
            self._thumbnails_due = True     # the window asks for their thumbnails

    def _thumbnails_arrived(self, _images: dict) -> None:
        if self._shown and self._thumbnails_due:
            self._thumbnails_due = False
            QTimer.singleShot(DELAY_MS, self, self._run)

    def _history_shown(self) -> None:
        self._shown = True
        if not self._thumbnails_due:
            QTimer.singleShot(DELAY_MS, self, self._run)

    def _run(self) -> None:
        if not self._done:
            self._done = True
            self._act()


def import_job_stack_then_freeze() -> None:
    """The warm-up's work, in its worker: what the first jobs would import, then start-up's
    objects frozen out of the collector's passes (``ui.interpreter``)."""
    # requests/urllib3/ssl (api.client), Pillow (previews), the paste reader's regexes
    # (sources), and what starts the engine's helper and runs a local job (multiprocessing's
    # spawn and resource tracker, engine.helper, local_pipeline): else each is imported by
    # the first job that needs it, holding the GIL beside the window.
    try:
        import multiprocessing.connection  # noqa: F401
        import multiprocessing.popen_spawn_posix  # noqa: F401
        import multiprocessing.resource_tracker  # noqa: F401

        from PIL import Image

        import desktop_app.api.client  # noqa: F401
        import desktop_app.engine.helper  # noqa: F401
        import desktop_app.jobs.local_pipeline  # noqa: F401
        import desktop_app.jobs.pipeline  # noqa: F401
        import desktop_app.jobs.previews  # noqa: F401
        import desktop_app.jobs.sources  # noqa: F401
        from desktop_app.jobs.images import register_heif

        Image.preinit()  # the PNG and JPEG plugins
        register_heif()  # pillow-heif: else the first files checked load it (a GIL hold)
    finally:
        freeze_start_up()   # whether the imports worked or not
