"""Getting results out of the window: save one, save all, copy. Every write runs in a worker.

The window asks this object to act on jobs; it owns the dialogs' flow and the worker tasks,
and reports back in sentences through ``message`` (status bar) and ``problem`` (a warning).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop_app.export import (
    EXTENSIONS,
    ExportError,
    ExportOptions,
    export_cutout,
    export_mask,
)
from desktop_app.jobs.edits import result_paths
from desktop_app.jobs.model import Job
from desktop_app.save_all import plan_save_all, run_plan
from desktop_app.settings import Settings
from desktop_app.ui.tasks import run_task


def export_dialogs():
    """The save and copy dialogs, imported when first used: the window starts without them."""
    from desktop_app.ui import export_dialogs as module

    return module


class ExportActions(QObject):
    message = Signal(str, int)    # sentence, milliseconds (0: until replaced)
    problem = Signal(str, str)    # title, sentence: shown in a warning box

    def __init__(self, window: QWidget, settings: Settings) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings

    # -- one file --------------------------------------------------------------------
    def save_cutout(self, job: Job) -> None:
        fmt = self._settings.export_format
        folder = Path(self._settings.last_save_dir)
        answer = export_dialogs().ask_save_path(
            self._window, "Save cut-out", folder / f"{job.stem}-cutout.{EXTENSIONS[fmt]}", fmt)
        if answer is None:
            return
        target, fmt = answer
        self._settings.export_format = fmt       # the format used last is the next default
        options = self._options(fmt)
        cutout, mask = result_paths(job)
        self._write("cut-out", target, lambda: export_cutout(cutout, mask, target, options))

    def save_mask(self, job: Job) -> None:
        folder = Path(self._settings.last_save_dir)
        answer = export_dialogs().ask_save_path(
            self._window, "Save mask", folder / f"{job.stem}-mask.png", "PNG", formats=("PNG",))
        if answer is None:
            return
        target, _ = answer
        mask = result_paths(job)[1]
        options = self._options("PNG")
        self._write("mask", target, lambda: export_mask(mask, target, options))

    def _options(self, fmt: str) -> ExportOptions:
        s = self._settings
        return ExportOptions(format=fmt, background=s.export_background,
                             crop_to_subject=s.export_crop, padding=s.export_padding)

    def _write(self, label: str, target: Path, work) -> None:
        self._settings.last_save_dir = str(target.parent)
        self.message.emit(f"Saving the {label}\u2026", 0)
        run_task(self, work,
                 lambda path: self.message.emit(f"Saved the {label} as {path}.", 10000),
                 lambda sentence: self.problem.emit("Not saved", sentence))

    # -- every finished job ------------------------------------------------------------
    def save_all(self, jobs: list[Job]) -> None:
        if not jobs:
            self.message.emit("No finished jobs to save yet.", 8000)
            return
        state = self._settings.save_all_state or {"folder": self._settings.last_save_dir,
                                                  "format": self._settings.export_format}
        dialog = export_dialogs().SaveAllDialog([j.stem for j in jobs], state, self._window)
        try:
            if not dialog.exec():
                return
            self._settings.save_all_state = dialog.state()
            self._settings.export_background = dialog.background()
            try:
                plan = plan_save_all(jobs, dialog.folder(), dialog.pattern(), dialog.options(),
                                     dialog.include_masks(), dialog.mask_pattern())
            except (ValueError, ExportError) as err:
                self.problem.emit("Not saved", str(err))
                return
            folder = dialog.folder()
        finally:
            dialog.deleteLater()
        existing = [p.target for p in plan if p.exists]
        answer = export_dialogs().confirm_overwrite(self._window, existing)
        if answer == "cancel":
            return
        self._settings.last_save_dir = str(folder)
        self.message.emit(f"Saving {len(plan)} files\u2026", 0)

        def done(report) -> None:
            self.message.emit(report.summary(), 0 if not report.ok else 10000)
            if not report.ok:
                self.problem.emit("Some files were not saved",
                                  report.summary() + "\n\n" + "\n".join(report.details()))

        run_task(self, lambda: run_plan(plan, answer == "replace"), done,
                 lambda sentence: self.problem.emit("Not saved", sentence))

    # -- the clipboard -------------------------------------------------------------------
    def copy(self, job: Job, kind: str) -> None:
        path = result_paths(job)[0 if kind == "cutout" else 1]
        label = "cut-out" if kind == "cutout" else "mask"
        self.message.emit(f"Copying the {label}\u2026", 0)

        dialogs = export_dialogs()  # on this thread, before the worker needs it

        def copied(clip) -> None:
            dialogs.copy_image_to_clipboard(clip)
            self.message.emit(f"Copied the {label} ({clip.image.width()} \u00d7 "
                              f"{clip.image.height()} px).", 8000)

        run_task(self, lambda: dialogs.load_for_clipboard(path, kind), copied,
                 lambda sentence: self.problem.emit("Not copied", sentence))

