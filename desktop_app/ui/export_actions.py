"""Getting results out of the window: save one, save all, copy. Every write runs in a worker.

The window asks this object to act on jobs; it owns the dialogs' flow and the worker tasks,
and reports back in sentences through ``message`` (status bar) and ``problem`` (a warning).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from desktop_app.export import (
    EXTENSIONS,
    ExportError,
    ExportOptions,
    export_cutout,
    export_mask,
)
from desktop_app.jobs.edits import result_paths
from desktop_app.jobs.model import Job
from desktop_app.save_all import PlannedFile, plan_save_all, run_plan
from desktop_app.settings import Settings
from desktop_app.ui.tasks import run_task


def result_files(job: Job) -> tuple[Path, Path]:
    """The cut-out and mask saving and copying use: touched up, turned, or the service's
    (``jobs.edits.result_paths``)."""
    return result_paths(job)


def create_folder(folder: Path) -> None:
    """Make a Save all folder (and its parents), or raise ExportError with a sentence."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        reason = (err.strerror or str(err)).rstrip(".").lower()
        raise ExportError(f"Could not create the folder {folder}: {reason}. Choose another "
                          "folder.", "folder") from None


def export_dialogs():
    """The save and copy dialogs, imported when first used: the window starts without them."""
    from desktop_app.ui import export_dialogs as module

    return module


@dataclass(frozen=True)
class PlannedSaveAll:
    """A Save all plan, made in a worker: the files, and whether the folder is there."""

    folder: Path
    files: list[PlannedFile]
    folder_exists: bool


@dataclass(frozen=True)
class SaveAllRequest:
    """What the Save all dialog was answered with; ``plan`` runs in a worker."""

    folder: Path
    pattern: str
    options: ExportOptions
    include_masks: bool
    mask_pattern: str

    def plan(self, jobs: list[Job]) -> PlannedSaveAll:
        """Name every file and look at the disk; a pattern that cannot work, or a folder that
        cannot be looked into, fails with its sentence (``ExportError``)."""
        try:
            files = plan_save_all(jobs, self.folder, self.pattern, self.options,
                                  self.include_masks, self.mask_pattern)
        except ValueError as err:
            raise ExportError(str(err), "file") from None
        return PlannedSaveAll(self.folder, files, self.folder.is_dir())


class ExportActions(QObject):
    message = Signal(str, int)    # sentence, milliseconds (0: until replaced)
    problem = Signal(str, str)    # title, sentence: shown in a warning box

    def __init__(self, window: QWidget, settings: Settings) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings

    # -- one file --------------------------------------------------------------------
    def save_cutout(self, job: Job) -> None:
        options = self._ask_options("cutout")
        if options is None:
            return
        fmt = options.format
        folder = Path(self._settings.last_save_dir)
        answer = export_dialogs().ask_save_path(
            self._window, "Save cut-out", folder / f"{job.stem}-cutout.{EXTENSIONS[fmt]}", fmt)
        if answer is None:
            return
        target, fmt = answer
        self._settings.export_format = fmt       # the format used last is the next default
        options = replace(options, format=fmt)
        snapshot = job.snapshot()
        self._write("cut-out", target, lambda: export_cutout(*result_files(snapshot), target,
                                                             options))

    def save_mask(self, job: Job) -> None:
        options = self._ask_options("mask")
        if options is None:
            return
        folder = Path(self._settings.last_save_dir)
        answer = export_dialogs().ask_save_path(
            self._window, "Save mask", folder / f"{job.stem}-mask.png", "PNG", formats=("PNG",))
        if answer is None:
            return
        target, _ = answer
        snapshot = job.snapshot()
        self._write("mask", target, lambda: export_mask(result_files(snapshot)[1], target,
                                                        options))

    def _options(self, fmt: str) -> ExportOptions:
        s = self._settings
        return ExportOptions(format=fmt, background=s.export_background,
                             crop_to_subject=s.export_crop, padding=s.export_padding,
                             jpeg_quality=s.export_jpeg_quality)

    def _ask_options(self, kind: str) -> ExportOptions | None:
        """The format, JPEG background and quality, crop and padding for one file (None when
        cancelled); what was chosen is the next default."""
        from desktop_app.ui.save_options import SaveOptionsDialog, viewer_colour

        s = self._settings
        dialog = SaveOptionsDialog(kind, self._options(s.export_format),
                                   viewer_colour(s.view_background), self._window)
        try:
            if not dialog.exec():
                return None
            options = dialog.options()
        finally:
            dialog.deleteLater()
        s.export_crop, s.export_padding = options.crop_to_subject, options.padding
        if kind == "cutout":
            s.export_background, s.export_jpeg_quality = options.background, \
                options.jpeg_quality
        return options

    def _write(self, label: str, target: Path, work) -> None:
        self._settings.last_save_dir = str(target.parent)
        self.message.emit(f"Saving the {label}\u2026", 0)
        run_task(self, work,
                 lambda path: self.message.emit(f"Saved the {label} as {path}.", 10000),
                 lambda sentence: self.problem.emit("Not saved", sentence))

    # -- every finished job ------------------------------------------------------------
    def save_all(self, jobs: list[Job]) -> None:
        """Ask how and where, plan in a worker, ask about files already there, then write.

        The plan names every file and looks at the disk for each job (edited or turned
        results, files already in the folder): hundreds of file-system calls, made in a
        worker on snapshots of the jobs, never on the GUI thread.
        """
        if not jobs:
            self.message.emit("No finished jobs to save yet.", 8000)
            return
        state = self._settings.save_all_state or {"folder": self._settings.last_save_dir,
                                                  "format": self._settings.export_format}
        dialog = export_dialogs().SaveAllDialog([j.stem for j in jobs[:2]], state,
                                                self._window, total=len(jobs))
        try:
            if not dialog.exec():
                return
            self._settings.save_all_state = dialog.state()
            self._settings.export_background = dialog.background()
            folder = dialog.folder()
            ask = SaveAllRequest(folder, dialog.pattern(), dialog.options(),
                                 dialog.include_masks(), dialog.mask_pattern())
        finally:
            dialog.deleteLater()
        snapshots = [j.snapshot() for j in jobs]
        self.message.emit(f"Preparing to save {len(jobs)} results\u2026", 0)
        run_task(self, lambda: ask.plan(snapshots), self._planned,
                 lambda sentence: self.problem.emit("Not saved", sentence))

    def _planned(self, planned: PlannedSaveAll) -> None:
        existing = [p.target for p in planned.files if p.exists]
        answer = export_dialogs().confirm_overwrite(self._window, existing)
        if answer == "cancel":
            self.message.emit("Save all cancelled: nothing was saved.", 8000)
            return
        self._settings.last_save_dir = str(planned.folder)
        self._run_save_all(planned, answer == "replace")

    def _run_save_all(self, planned: PlannedSaveAll, replace_existing: bool) -> None:
        """Write the plan in a worker while a progress dialog shows it and offers Stop."""
        from desktop_app.ui.save_all_progress import SaveAllProgress

        plan, folder = planned.files, planned.folder
        dialog = SaveAllProgress(len(plan), folder, self._window)
        progress, stop = dialog.progress, dialog.stop_requested
        make_folder = not planned.folder_exists   # agreed to in the dialog; made by the worker
        self.message.emit(f"Saving {len(plan)} files\u2026", 0)

        def work():
            if make_folder:
                create_folder(folder)
            return run_plan(plan, replace_existing, progress=progress.report,
                            should_stop=stop.is_set)

        def done(report) -> None:
            self.message.emit(report.summary(), 0 if not report.ok else 10000)
            if isValid(dialog):                  # it may have been closed meanwhile
                dialog.finish(report)

        def failed(sentence: str) -> None:
            self.message.emit(sentence, 0)
            if isValid(dialog):
                dialog.fail(sentence)

        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        run_task(self, work, done, failed)

    # -- the clipboard -------------------------------------------------------------------
    def copy(self, job: Job, kind: str) -> None:
        snapshot, which = job.snapshot(), 0 if kind == "cutout" else 1
        label = "cut-out" if kind == "cutout" else "mask"
        self.message.emit(f"Copying the {label}\u2026", 0)

        dialogs = export_dialogs()  # on this thread, before the worker needs it

        def copied(clip) -> None:
            dialogs.copy_image_to_clipboard(clip)
            self.message.emit(f"Copied the {label} ({clip.image.width()} \u00d7 "
                              f"{clip.image.height()} px).", 8000)

        run_task(self,
                 lambda: dialogs.load_for_clipboard(result_files(snapshot)[which], kind), copied,
                 lambda sentence: self.problem.emit("Not copied", sentence))

