"""Every command of the window as a QAction, the menus that list them, and when each applies.

Two steps, like the window: the constructor makes what the first frame shows (the job list's
four buttons, disabled, and the menus' titles); ``complete`` makes the rest and fills the menus.
The actions report through their own ``triggered`` signals; the window wires those to the
parts that act. ``update_for`` is the one place that decides what is enabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QWidget

from desktop_app.jobs.model import RESUMABLE_STATES, RETRYABLE_STATES, Engine, Job, JobState

if TYPE_CHECKING:  # names for hints only: each Qt class costs a little on first use
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QAbstractItemView, QMenuBar

Icon = QStyle.StandardPixmap


def is_finished(job: Job | None) -> bool:
    """Done, with its result files here: something to look at, save or copy."""
    return job is not None and job.state == JobState.DONE and job.has_results


def can_cut_out_here(job: Job) -> bool:
    """A HitPaw job that is not running: it can switch, or be added again, on this computer."""
    return job.engine == Engine.HITPAW and not job.is_active


def is_pausable(job: Job) -> bool:
    return job.state in RESUMABLE_STATES


class WindowActions(QObject):
    """The commands, kept together so the menus, the buttons, the context menu and the
    shortcuts always agree on what each is called and whether it applies."""

    def __init__(self, host: QWidget, menu_bar: QMenuBar) -> None:
        """``host`` holds the actions so their shortcuts work anywhere in its window."""
        super().__init__(host)
        self._host = host
        self._shown_paused: bool | None = None   # what the pause button shows now
        self.retry = self._action("&Retry", "Ctrl+R", "Try the selected jobs again (no new "
                                  "charge when HitPaw already has them)", Icon.SP_BrowserReload)
        self.cancel = self._action("&Cancel", "Ctrl+.",
                                   "Stop the selected jobs", Icon.SP_BrowserStop)
        self.remove = self._action("Remo&ve", QKeySequence.StandardKey.Delete,
                                   "Remove the selected finished jobs from the list and the "
                                   "history", Icon.SP_TrashIcon)
        self.pause = self._action("&Pause all", "Ctrl+P", "Pause or resume the whole queue",
                                  Icon.SP_MediaPause)
        for act in self.job_actions():
            act.setEnabled(False)  # until the window is complete (see update_for)
        self.file_menu = menu_bar.addMenu("&File")
        self.edit_menu = menu_bar.addMenu("&Edit")
        self.view_menu = menu_bar.addMenu("&View")
        self.jobs_menu = menu_bar.addMenu("&Jobs")
        self.help_menu = menu_bar.addMenu("&Help")

    def job_actions(self) -> list[QAction]:
        """The four shown as buttons above the job list."""
        return [self.retry, self.cancel, self.remove, self.pause]

    def _action(self, text: str, shortcut, tip: str, icon: Icon | None = None) -> QAction:
        act = QAction(text, self._host)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setToolTip(tip)
        act.setStatusTip(tip)
        if icon is not None:
            act.setIcon(self._host.style().standardIcon(icon))
        self._host.addAction(act)
        return act

    # -- the second step ---------------------------------------------------------------
    def complete(self, viewer_actions: list[QAction]) -> None:
        """Make the actions the first frame did not need, and fill the menus."""
        action = self._action
        self.open_images = action("&Open images\u2026", QKeySequence.StandardKey.Open,
                                  "Add image files from this computer (JPG, PNG, WebP, HEIC, "
                                  "TIFF), several at once", Icon.SP_DialogOpenButton)
        self.cut_out_here = action("Cut out on this c&omputer", "Ctrl+Shift+L",
                                   "Cut out the selected jobs on this computer, for free: "
                                   "one not sent yet switches, one that has ended is added "
                                   "again (nothing is sent to HitPaw again)", Icon.SP_ComputerIcon)
        self.submit = action("&Remove backgrounds", "Ctrl+Return",
                             "Add every link and file in the box as a job",
                             Icon.SP_ArrowRight)
        self.save_matted = action("Save &cut-out\u2026", QKeySequence.StandardKey.Save,
                                  "Save the cut-out as a PNG", Icon.SP_DialogSaveButton)
        self.save_mask = action("Save &mask\u2026", "Ctrl+Shift+S", "Save the mask as a PNG",
                                Icon.SP_DialogSaveButton)
        self.save_all = action("Save &all\u2026", "Ctrl+Alt+S", "Save every finished job to a "
                               "folder, with a file-name pattern")
        self.copy_cutout = action("&Copy cut-out", QKeySequence.StandardKey.Copy,
                                  "Copy the full-size cut-out, with its transparency")
        self.copy_mask = action("Copy &mask", "Ctrl+Shift+C", "Copy the full-size mask")
        self.quit = action("&Quit", QKeySequence.StandardKey.Quit,
                           "Close Cutout; running jobs resume next time")
        self.key = action("API &key\u2026", "Ctrl+K", "Enter or change your HitPaw API key")
        self.sandbox = action("Try the &sandbox", None,
                              "Use Cutout's built-in test server instead of HitPaw")
        self.about = action("&About Cutout", None, "Version and licences")
        self.focus = action("Focus the link box", "Ctrl+L", "Type or paste links")
        self.pause_selected = action("Pa&use", "Ctrl+Shift+P", "Pause the selected jobs; Retry "
                                     "resumes them", Icon.SP_MediaPause)
        self.paste = action("&Paste links or files", QKeySequence.StandardKey.Paste,
                            "Add the links, image files and folders on the clipboard as jobs")
        self.settings = action("&Settings\u2026", QKeySequence.StandardKey.Preferences,
                               "API address, timing, export defaults and history")
        self.settings.setShortcuts([QKeySequence("Ctrl+,")])
        self.clear = action("C&lear history\u2026", None,
                            "Remove every finished job from the list and the cache")
        self.logs = action("Open &log folder", None, "Show Cutout's log files, for a bug report")
        self._fill_menus(viewer_actions)

    def _fill_menus(self, viewer_actions: list[QAction]) -> None:
        self.file_menu.addAction(self.open_images)
        self.file_menu.addSeparator()
        self.file_menu.addActions([self.save_matted, self.save_mask, self.save_all])
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit)
        self.edit_menu.addActions([self.copy_cutout, self.copy_mask, self.paste])
        self.edit_menu.addSeparator()
        self.edit_menu.addActions([self.key, self.settings])
        self.view_menu.addActions(viewer_actions)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.focus)
        self.jobs_menu.addAction(self.submit)
        self.jobs_menu.addSeparator()
        self.jobs_menu.addActions([self.retry, self.pause_selected, self.cancel, self.remove])
        self.jobs_menu.addAction(self.cut_out_here)
        self.jobs_menu.addSeparator()
        self.jobs_menu.addActions([self.pause, self.clear])
        self.jobs_menu.addSeparator()
        self.jobs_menu.addAction(self.sandbox)
        self.help_menu.addActions([self.logs, self.about])

    # -- what applies now --------------------------------------------------------------
    def update_for(self, jobs: Iterable[Job], selected: list[Job], current: Job | None,
                   paused: bool) -> None:
        """Enable what applies to the selected jobs, the current one and the whole queue."""
        for act in (self.save_matted, self.save_mask, self.copy_cutout, self.copy_mask):
            act.setEnabled(is_finished(current))
        jobs = list(jobs)
        self.save_all.setEnabled(any(is_finished(j) for j in jobs))
        self.retry.setEnabled(any(j.state in RETRYABLE_STATES for j in selected))
        self.pause_selected.setEnabled(any(is_pausable(j) for j in selected))
        unknown_only = selected and all(j.state == JobState.UNKNOWN for j in selected)
        self.retry.setText("Re&submit" if unknown_only else "&Retry")
        self.cancel.setEnabled(any(is_pausable(j) or j.state == JobState.PAUSED
                                   for j in selected))
        self.remove.setEnabled(any(not j.is_active for j in selected))
        self.cut_out_here.setEnabled(any(can_cut_out_here(j) for j in selected))
        self.pause.setEnabled(paused or any(is_pausable(j) for j in jobs))

    def show_paused(self, paused: bool) -> None:
        """The queue's pause button offers the opposite of what the queue is doing. Only
        when that changes: the icon is looked up anew each time, a few tenths of a ms."""
        if paused == self._shown_paused:
            return
        self._shown_paused = paused
        self.pause.setText("Resume" if paused else "Pause all")
        self.pause.setIcon(self._host.style().standardIcon(
            Icon.SP_MediaPlay if paused else Icon.SP_MediaPause))

    def exec_context_menu(self, view: QAbstractItemView, pos: QPoint, links: list[str]) -> None:
        """The job list's right-click menu, over a row; ``links`` are the selected jobs'
        sources (web links or paths of files on this computer)."""
        if not view.indexAt(pos).isValid():
            return
        menu = QMenu(view)
        menu.addActions([self.copy_cutout, self.copy_mask, self.save_matted])
        menu.addSeparator()
        menu.addActions([self.retry, self.pause_selected, self.cancel, self.remove])
        menu.addAction(self.cut_out_here)
        menu.addSeparator()
        web = [link.lower().startswith(("http://", "https://")) for link in links]
        copy = menu.addAction("Copy link" if all(web) else "Copy path" if not any(web)
                              else "Copy links and paths")
        copy.triggered.connect(lambda: QApplication.clipboard().setText("\n".join(links)))
        menu.exec(view.viewport().mapToGlobal(pos))
        menu.deleteLater()
