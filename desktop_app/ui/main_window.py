"""The main window: the frame that builds Cutout's parts and wires their signals together.

Each part keeps its own state and reports by signals: ``LinkIntake`` takes links in,
``WindowActions`` holds the commands, the menus and when each applies, ``ConnectionPanel``
the key and the sandbox (with the banner and the welcome page), ``JobPanel`` the job list,
``ResultsPage`` the viewer and its save buttons; the queue is ``JobController`` and saving is
``ExportActions``. The window owns the layout, the status bar and the selection.

The window is built in two steps, so that it is on screen sooner. The constructor builds
what the first frame shows (the link box, the job list, the welcome page, the menu bar, the
status bar) from light modules only. Just after that first frame, a worker imports the
modules only the second step needs (never before the first paint), then ``_complete`` builds
the rest (the viewer, the queue and its history, saving, the menus' actions) and emits
``ready``. Until then no action, drop or button can reach the parts not built yet.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QIcon, QPalette
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME, paths
from desktop_app.jobs.model import Job, JobState
from desktop_app.settings import Settings
from desktop_app.ui.connection import ConnectionPanel
from desktop_app.ui.interpreter import (
    hold_collections,
    resume_collections,
    share_the_gil_often,
    skip_pyside_feature_hook,
)
from desktop_app.ui.job_list import JobListModel, RowClock
from desktop_app.ui.job_panel import JobPanel
from desktop_app.ui.link_intake import LinkIntake
from desktop_app.ui.status_line import StatusBar
from desktop_app.ui.tasks import run_task
from desktop_app.ui.warm_up import SettledStart
from desktop_app.ui.window_actions import WindowActions, is_finished

if TYPE_CHECKING:
    from desktop_app.ui.workers import Previews

COMPLETE_FALLBACK_MS = 300  # shown but never painted (not exposed): complete anyway


# what _complete imports: loaded in a worker just after the first paint (see paintEvent)
SECOND_STEP_MODULES = ("desktop_app.jobs.store", "desktop_app.secrets",
                       "desktop_app.ui.controller", "desktop_app.ui.export_actions",
                       "desktop_app.ui.results_page", "desktop_app.ui.view_modes",
                       "desktop_app.storage")   # Settings.storage_config, in load_storage


def _import_second_step() -> None:
    for name in SECOND_STEP_MODULES:
        importlib.import_module(name)


class MainWindow(QMainWindow):
    ready = Signal()  # the window is complete: every part built, history loading

    def __init__(self, parent: QWidget | None = None, *, shared_history: bool = True) -> None:
        """``shared_history=False``: jobs in memory only, none resumed (see __main__)."""
        # From here, not from the queue's creation: the second step's import worker runs
        # beside the first paint (ui.interpreter); both last until the warm-up's freeze.
        share_the_gil_often()
        hold_collections()
        skip_pyside_feature_hook()   # the second step's and the warm-up's imports
        super().__init__(parent)
        self._history_path = paths.history_db() if shared_history else None
        self.setWindowTitle(APP_NAME)
        self.setObjectName("mainWindow")
        icon = paths.resources_dir() / "icons" / "cutout.svg"
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.settings = Settings()
        self._complete_planned = False
        self._building = False      # _complete has begun (it takes two turns)
        self._ready = False
        self._warming = False       # _warm_up has run: its worker lets collections run again
        self._updates_due = False   # actions and status line: redone once per event-loop turn
        self._changed: dict[str, Job] = {}   # jobs that changed this turn (_update_later)
        self._build_first_screen()
        self.setAcceptDrops(True)  # files, folders and links from anywhere over the window
        self._apply_theme()
        geometry = self.settings.window_geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 780)
        if self.settings.splitter_state is not None:
            self.splitter.restoreState(self.settings.splitter_state)

    def is_ready(self) -> bool:
        """Whether ``ready`` was emitted: before it, only the first screen exists."""
        return self._ready

    # -- building: the first screen ----------------------------------------------------
    def _build_first_screen(self) -> None:
        self.intake = LinkIntake()
        self.connection = ConnectionPanel(self.settings, self)
        # the menus' titles and the job list's buttons; the rest comes with _complete
        self.commands = WindowActions(self, self.menuBar())
        self.model = JobListModel(self)
        self.jobs_panel = JobPanel(self.model, self.commands.job_actions())
        self.stack = QStackedWidget()
        self.stack.addWidget(self.connection.welcome)  # shown while no job is selected

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.jobs_panel)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 900])
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 6)
        layout.setSpacing(10)
        layout.addWidget(self.intake)
        layout.addWidget(self.connection.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        status = StatusBar()       # a long message is elided, never hiding the counters
        status.setObjectName("statusBar")
        status.setAccessibleName("Status")
        self.setStatusBar(status)
        status.insertPermanentWidget(1, self.connection.sandbox_label)   # after the message

    def _apply_theme(self) -> None:
        self.connection.apply_theme(
            self.palette().color(QPalette.ColorRole.Window).lightness() < 128)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()
        super().changeEvent(event)

    # -- building: the rest, just after the first frame --------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._ready:  # a window that is shown but never exposed completes all the same
            QTimer.singleShot(COMPLETE_FALLBACK_MS, self, self._complete)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._complete_planned:  # once this frame is flushed to the screen
            self._complete_planned = True
            # the second step's modules (~70 ms of imports) load in a worker, so the GUI
            # thread then only builds; either way, _complete follows. Started once this
            # paint is over: the children (a list of 1,000 rows) still paint after this
            # event, and an importing worker holds the GIL for ms at a time meanwhile.
            QTimer.singleShot(0, self, self._import_then_complete)

    def _import_then_complete(self) -> None:
        run_task(self, _import_second_step, lambda _none: self._complete(),
                 lambda _message: self._complete())

    def _complete(self) -> None:
        """Build what the first frame did not show, in two turns of the event loop (each
        ~10 ms: one turn of both was a hitch), then ``_complete_rest``."""
        if self._ready or self._building or not self.isVisible():
            return
        self._building = True
        from desktop_app.ui.results_page import ResultsPage
        from desktop_app.ui.view_modes import keep_in_settings

        self.results = ResultsPage(self.settings.view_background)
        self.viewer = self.results.viewer
        keep_in_settings(self.viewer, self.settings)   # the layout and the compare divider
        self.stack.addWidget(self.results)
        # a timer, not a posted call: Qt would run a call posted now in this same turn
        QTimer.singleShot(1, self, self._complete_rest)

    def _complete_rest(self) -> None:
        """The queue, saving and the menus' actions; wire it all up, then load the key and
        the history (both answer later, from workers)."""
        from desktop_app.jobs.store import HistoryStore
        from desktop_app.secrets import KeyStore
        from desktop_app.ui.controller import JobController
        from desktop_app.ui.export_actions import ExportActions

        self.exporter = ExportActions(self, self.settings)
        self.controller = JobController(self.settings.policy(), self.settings.concurrency,
                                        store=HistoryStore(self._history_path), parent=self)
        self.commands.complete(self.viewer.actions_for_menu())
        self.results.touch_up.add_to_menu(self.commands.edit_menu)
        self.clock = RowClock(self.model)
        self.clock.ticked.connect(self.jobs_panel.view.repaint_rows)
        self.clock.spun.connect(self.jobs_panel.view.repaint_tiles)
        self._connect_parts()
        self._connect_commands()
        self._connect_controller()
        self.intake.attach(self.controller, self.settings)
        self.connection.attach(self.controller, KeyStore())
        self.controller.load_history(self.settings.history_days)
        self.controller.load_storage(self.settings)   # storage (issue 15)
        self._update_actions()
        self.clock.start()
        SettledStart(self.controller, self._warm_up, self).start()   # once the history is in
        self._ready = True
        self.ready.emit()

    def _warm_up(self) -> None:
        """Prepare, while the designer is still reading the window, what the first batch needs.

        The job stack is imported in a worker (``JobController.warm_up``), and the results
        page, hidden behind the welcome page, is polished, laid out and painted once off
        screen: its first appearance, when links are pasted, is then one short frame. The
        page first: the paint's calls into Python do not wait on the importing worker's GIL.
        """
        self._warming = True
        if not self.results.isVisible():
            self.results.grab()
        self.controller.warm_up()

    def _connect_parts(self) -> None:
        status = self.statusBar()
        for part in (self.exporter, self.intake, self.connection, self.results):
            part.message.connect(status.showMessage)
        self.exporter.problem.connect(self._export_problem)
        self.intake.results_reused.connect(self.jobs_panel.select_job)
        self.intake.jobs_queued.connect(self.jobs_panel.select_if_none)
        self.intake.refused.connect(self.statusBar().show_refused)
        self.connection.sandbox_started.connect(self.intake.offer_links)
        self.results.save_matted_button.clicked.connect(self.commands.save_matted.trigger)
        self.results.save_mask_button.clicked.connect(self.commands.save_mask.trigger)
        self.viewer.background_changed.connect(self._background_changed)
        self.results.results_changed.connect(self._results_changed)
        touch_up = self.results.touch_up
        touch_up.workdir_for = self.controller.workdir
        touch_up.previews_changed.connect(self._previews_ready)
        touch_up.record_edited = self.controller.set_edited  # thread-safe: the queue's lock
        view = self.jobs_panel.view
        view.selectionModel().selectionChanged.connect(self._selection_changed)
        view.customContextMenuRequested.connect(self._context_menu)

    def _connect_commands(self) -> None:
        c, exporter = self.commands, self.exporter
        for action, slot in (
                (c.retry, lambda: self._each_selected(self.controller.retry)),
                (c.cancel, lambda: self._each_selected(self.controller.cancel)),
                (c.remove, lambda: self.controller.remove(self.jobs_panel.selected_ids())),
                (c.pause, self.toggle_pause),
                (c.pause_selected,
                 lambda: self.controller.pause_jobs(self.jobs_panel.selected_ids())),
                (c.submit, self.intake.submit),
                (c.open_images, self.intake.open_images),
                (c.cut_out_here, self.cut_out_here),
                (c.save_matted, lambda: self._with_result(exporter.save_cutout)),
                (c.save_mask, lambda: self._with_result(exporter.save_mask)),
                (c.save_all, lambda: exporter.save_all(
                    [j for j in self.controller.jobs.values() if is_finished(j)])),
                (c.copy_cutout, lambda: self._with_result(lambda j: exporter.copy(j, "cutout"))),
                (c.copy_mask, lambda: self._with_result(lambda j: exporter.copy(j, "mask"))),
                (c.quit, self.close),
                (c.key, lambda: self.connection.open_key_dialog()),
                (c.sandbox, self.connection.start_sandbox),
                (c.about, self.show_about),
                (c.focus, lambda: self.intake.url_input.setFocus()),
                (c.paste, self.intake.paste_clipboard),
                (c.settings, self.open_settings),
                (c.clear, self.clear_history),
                (c.logs, self.open_log_folder)):
            action.triggered.connect(slot)

    def _connect_controller(self) -> None:
        c = self.controller
        c.history_failed.connect(self.statusBar().showMessage)
        c.jobs_added.connect(self._jobs_added)
        c.job_changed.connect(self._job_changed)
        c.jobs_removed.connect(self._jobs_removed)
        c.previews_ready.connect(self._previews_ready)
        c.thumbnails_ready.connect(self.model.set_thumbnails)
        c.queue_paused.connect(self._queue_paused)
        c.queue_resumed.connect(self._queue_resumed)
        c.activity_changed.connect(self._update_later)

    # -- images in: links, files and folders ------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._ready and (event.mimeData().hasUrls() or event.mimeData().hasText()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.intake.take_mime(event.mimeData())
        event.acceptProposedAction()

    # -- controller events -------------------------------------------------------------
    def _jobs_added(self, jobs: list[Job]) -> None:
        self.model.add_jobs(jobs)
        self.controller.request_thumbnails([j.id for j in jobs if j.has_results])
        self._update_later()

    def _job_changed(self, job: Job) -> None:
        self._changed[job.id] = job   # shown after this turn, in its latest state
        self._update_later()

    def _jobs_removed(self, ids: list[str]) -> None:
        self.results.forget(ids)
        self.model.remove_jobs(ids)
        self._selection_changed()

    def _previews_ready(self, job_id: str, previews: Previews) -> None:
        self.model.set_thumbnail(job_id, previews.thumb)
        self.results.keep_previews(job_id, previews)
        if job_id == self.jobs_panel.current_id():
            self._show_job(self.controller.jobs[job_id])

    def _queue_paused(self, kind: str, message: str) -> None:
        self.statusBar().showMessage(message)
        self.connection.queue_paused(kind, message)
        self._update_actions()

    def _queue_resumed(self) -> None:
        self.connection.queue_resumed()
        self.statusBar().showMessage("Queue resumed.", 5000)
        self._update_actions()

    def _update_activity(self) -> None:
        c = self.controller
        self.statusBar().show_activity(c.running_count, c.waiting_count, bool(c.paused_kind),
                                       c.session_coins)
        self.commands.show_paused(bool(c.paused_kind))

    # -- selection -----------------------------------------------------------------------
    def _current_job(self) -> Job | None:
        return self.controller.jobs.get(self.jobs_panel.current_id() or "")

    def _selection_changed(self, *args) -> None:
        job = self._current_job()
        if job is None:
            self.results.clear()
            self.stack.setCurrentWidget(self.connection.welcome)
        else:
            self._show_job(job)
            if job.has_results and not self.results.has_previews(job.id):
                self.controller.request_previews(job.id)
        self._update_actions()

    def _show_job(self, job: Job) -> None:
        self.stack.setCurrentWidget(self.results)
        self.results.show_job(job)
        self._update_actions()

    def _update_later(self) -> None:
        """The actions and the status line look at every job (O(n)), and a batch's jobs
        finish together, each reporting several steps: the jobs that changed in one turn
        of the event loop are shown once each, after it, and the actions and the selected
        job redone once for them all, so 500 jobs cost the GUI thread no more per change
        than 5."""
        if not self._updates_due:
            self._updates_due = True
            QTimer.singleShot(0, self, self._update_due)

    def _update_due(self) -> None:
        self._updates_due = False
        changed, self._changed = self._changed, {}
        status = self.statusBar()
        for job in changed.values():
            self.model.update_job(job)
            if job.state in (JobState.FAILED, JobState.EXPIRED, JobState.UNKNOWN):
                status.showMessage(f"{job.stem}: {job.message}")
            elif job.state == JobState.DONE and not status.currentMessage():
                status.showMessage(f"{job.stem}: done.", 5000)  # never hides an error
            self.clock.job_changed(job)
        current = changed.get(self.jobs_panel.current_id() or "")
        if current is not None:
            self._show_job(current)   # the actions too
        else:
            self._update_actions()

    def _update_actions(self) -> None:
        jobs = self.controller.jobs
        selected = [jobs[i] for i in self.jobs_panel.selected_ids() if i in jobs]
        current = self._current_job()
        # newest first: a batch's jobs, which decide "Pause all", are found without
        # walking a history of thousands first (this runs in every turn a job changes)
        self.commands.update_for(reversed(jobs.values()), selected, current,
                                 bool(self.controller.paused_kind))
        self.results.set_save_enabled(is_finished(current))
        self._update_activity()

    def _each_selected(self, act: Callable[[str], None]) -> None:
        for job_id in self.jobs_panel.selected_ids():
            act(job_id)

    def _with_result(self, act: Callable[[Job], None]) -> None:
        """Save or copy the current job's results, if it has any."""
        job = self._current_job()
        if job is not None and job.has_results:
            act(job)

    def _context_menu(self, pos) -> None:
        self.commands.exec_context_menu(
            self.jobs_panel.view, pos,
            [self.controller.jobs[i].url for i in self.jobs_panel.selected_ids()])

    # -- commands --------------------------------------------------------------------
    def toggle_pause(self) -> None:
        if self.controller.paused_kind == "key" and not self.controller.has_key:
            self.connection.open_key_dialog()
        elif self.controller.paused_kind:
            self.controller.resume_queue()
        else:
            self.controller.pause_all()

    def cut_out_here(self) -> None:
        """The selected jobs, cut out on this computer for free (see JobQueue.cut_out_here)."""
        switched, added = self.controller.cut_out_here(self.jobs_panel.selected_ids())
        n = len(switched) + len(added)
        if n:
            self.statusBar().showMessage(
                f"{n} job{'s' if n != 1 else ''} will be cut out on this computer, for free"
                + (f" ({len(added)} added again as new jobs)." if added else "."), 8000)

    def open_settings(self) -> None:
        from desktop_app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.controller.policy = self.settings.policy()
            self.controller.concurrency = self.settings.concurrency
            self.controller.load_storage(self.settings)   # storage (issue 15)
            self.connection.settings_saved()
            self.statusBar().showMessage("Settings saved; they apply to jobs that start from "
                                         "now on.", 8000)
        dialog.deleteLater()

    def clear_history(self) -> None:
        answer = QMessageBox.question(
            self, "Clear history",
            "Remove every job that is not running from the list, the history and the cache? "
            "Files you saved elsewhere are not touched.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.clear_history()
            self.statusBar().showMessage("History cleared.", 8000)

    def open_log_folder(self) -> None:
        folder = paths.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def show_about(self) -> None:
        from desktop_app.ui.about import about_text

        QMessageBox.about(self, "About Cutout", about_text())

    def _results_changed(self, job_id: str) -> None:
        """A result was turned (or turned back): show and list the files saving now uses."""
        self.results.forget([job_id])
        self.controller.request_previews(job_id)

    def _background_changed(self, state: dict) -> None:
        self.settings.view_background = state

    def _export_problem(self, title: str, sentence: str) -> None:
        self.statusBar().showMessage(sentence.split("\n")[0])
        QMessageBox.warning(self, title, sentence)

    # -- closing -----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.settings.window_geometry = self.saveGeometry()
        self.settings.splitter_state = self.splitter.saveState()
        self.settings.sync()
        event.accept()
        if not self._warming:   # no warm-up will freeze start-up's objects and collect again
            resume_collections()
        if not self._ready:  # closed before its first frame: nothing runs yet
            return
        self.clock.stop()
        self.results.touch_up.finish()  # an edit in progress is saved (in a worker)
        self.controller.shutdown()  # its workers, then every task, 2 s at most in all
        self.connection.stop_sandbox()
