"""Save all: a name for every file of a batch, the plan of what goes where, and the run.

Kept apart from ``export`` (which writes one image safely) because this part is about many
files at once: patterns the user types, names that must never collide in one folder, files
that already exist, and a batch that stops early when every further file would fail the same
way. Qt-free, so the dialog can preview names as the user types and a worker can run the plan.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Protocol

from desktop_app.export import (
    ExportError,
    ExportOptions,
    export_cutout,
    export_mask,
    format_for_suffix,
)
from desktop_app.jobs.edits import result_paths

DEFAULT_PATTERN = "{stem}-cutout.{ext}"
DEFAULT_MASK_PATTERN = "{stem}-mask.png"
PLACEHOLDERS = ("stem", "kind", "ext", "n", "date")
_UNSAFE = set('<>:"/\\|?*')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
_MAX_NAME = 200             # characters; leaves room under every file system's 255 limit


def check_pattern(pattern: str) -> list[str]:
    """The placeholders ``pattern`` uses; a ValueError with a sentence when it cannot work."""
    if not pattern or not pattern.strip():
        raise ValueError("The file name pattern is empty: use something like "
                         f"{DEFAULT_PATTERN}.")
    if "/" in pattern or "\\" in pattern:
        raise ValueError("The file name pattern cannot contain / or \\: it names files "
                         "inside the chosen folder, not folders.")
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        raise ValueError("The file name pattern has a { or } without its partner: write "
                         "placeholders like {stem}, or double the brace ({{) to keep it.") \
            from None
    used = []
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or conversion:
            shown = "{" + name + ("!" + conversion if conversion else "") + "}"
            if not name:
                shown = "{}"
            raise ValueError(f"The file name pattern uses {shown}, which Cutout does not "
                             f"know. Use {known}.")
        if spec and name != "n":
            raise ValueError(f"Only {{n}} takes a format (such as {{n:03}}); {{{name}:{spec}}}"
                             " does not.")
        if spec:
            try:
                format(1, spec)
            except ValueError:
                raise ValueError(f"The file name pattern uses {{n:{spec}}}, which is not a "
                                 "number format: write {n:03} for 001, 002 and so on.") \
                    from None
        used.append(name)
    return used


def render_name(pattern: str, *, stem: str, kind: str, ext: str, index: int,
                date: Date | str | None = None) -> str:
    """One file name from a "Save all" pattern, safe on Windows, macOS and Linux.

    Placeholders: {stem} (from the link), {kind} ("cutout"/"mask"), {ext}, {n} (1-based place
    in the batch; {n:03} pads it), {date} (YYYY-MM-DD). A name without an image extension gets
    ``.ext``; a name ending in another image extension has it replaced.
    """
    check_pattern(pattern)
    day = date or Date.today()
    day_text = day if isinstance(day, str) else day.isoformat()
    ext = ext.lstrip(".").lower()
    name = pattern.format(stem=stem, kind=kind, ext=ext, n=index, date=day_text)
    name = "".join("-" if c in _UNSAFE or ord(c) < 32 else c for c in name)
    name = name.strip().lstrip(".").rstrip(". ")
    base, dot, suffix = name.rpartition(".")
    if dot and format_for_suffix(name) is not None:
        if suffix.lower() != ext and not (ext in ("jpg", "jpeg") and
                                          suffix.lower() in ("jpg", "jpeg")):
            suffix = ext
    else:
        base, suffix = name, ext
    base = base.rstrip(". ") or stem or "image"
    if base.split(".")[0].upper() in _WINDOWS_RESERVED:
        base = f"{base}_"
    base = base[:_MAX_NAME].rstrip(". ") or "image"
    return f"{base}.{suffix}"


def _suffixed(name: str, k: int) -> str:
    base, dot, ext = name.rpartition(".")
    return f"{base}-{k}.{ext}" if dot else f"{name}-{k}"


class JobLike(Protocol):
    stem: str
    cutout_path: str | Path | None
    mask_path: str | Path | None


@dataclass(frozen=True)
class PlannedFile:
    """One file "Save all" will write: what from, where to, and whether it is there already."""

    kind: str                       # "cutout" or "mask"
    stem: str
    source: Path                    # the cached cut-out or mask
    mask_source: Path | None        # the mask, used to crop the cut-out
    target: Path
    exists: bool
    options: ExportOptions


def batch_names(stems: Sequence[str], pattern: str, options: ExportOptions,
                include_masks: bool, mask_pattern: str = DEFAULT_MASK_PATTERN,
                date: Date | str | None = None) -> list[tuple[str, str | None]]:
    """(cut-out name, mask name or None) per stem, never the same name twice in the batch
    (compared case-insensitively, as Windows and macOS do): "-2", "-3"... like the CLI."""
    check_pattern(pattern)
    if include_masks:
        check_pattern(mask_pattern)
    taken: set[str] = set()
    out: list[tuple[str, str | None]] = []

    def name(pat: str, stem: str, k: int, kind: str, ext: str, n: int) -> str:
        first = render_name(pat, stem=stem, kind=kind, ext=ext, index=n, date=date)
        if k == 1:
            return first
        other = render_name(pat, stem=f"{stem}-{k}", kind=kind, ext=ext, index=n, date=date)
        return other if other != first else _suffixed(first, k)   # the stem made no change

    def free(pat: str, stem: str, kind: str, ext: str, n: int) -> str:
        k = 1
        while (candidate := name(pat, stem, k, kind, ext, n)).casefold() in taken:
            k += 1
        taken.add(candidate.casefold())
        return candidate

    for n, stem in enumerate(stems, start=1):
        if include_masks:
            cut = name(pattern, stem, 1, "cutout", options.extension, n)
            if cut.casefold() == name(mask_pattern, stem, 1, "mask", "png", n).casefold():
                raise ValueError(f"The cut-out and the mask would both be named "
                                 f"\u201c{cut}\u201d: put {{kind}} in the pattern, or "
                                 "change the mask pattern.")
        cut = free(pattern, stem, "cutout", options.extension, n)
        mask = free(mask_pattern, stem, "mask", "png", n) if include_masks else None
        out.append((cut, mask))
    return out


def plan_save_all(jobs_like: Iterable[JobLike], folder: str | Path, pattern: str,
                  options: ExportOptions, include_masks: bool,
                  mask_pattern: str = DEFAULT_MASK_PATTERN, *,
                  date: Date | str | None = None) -> list[PlannedFile]:
    """The files "Save all" would write, in order; nothing is written here.

    Jobs without a cut-out are left out; a job without a mask saves only its cut-out.
    Patterns that cannot work raise ValueError with a sentence.
    """
    folder = Path(folder)
    jobs = [j for j in jobs_like if getattr(j, "cutout_path", None)]
    names = batch_names([j.stem for j in jobs], pattern, options, include_masks,
                        mask_pattern, date)
    plan: list[PlannedFile] = []
    for job, (cut, mask) in zip(jobs, names, strict=True):
        cutout_source, mask_source = result_paths(job)   # touched-up results when edited
        target = folder / cut
        plan.append(PlannedFile("cutout", job.stem, cutout_source, mask_source,
                                target, os.path.lexists(target), options))
        if mask and mask_source is not None:
            target = folder / mask
            plan.append(PlannedFile("mask", job.stem, mask_source, mask_source, target,
                                    os.path.lexists(target), options))
    return plan


@dataclass
class ExportReport:
    """What "Save all" did, file by file, and the sentence to show for it."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)            # already there, kept
    failed: list[tuple[Path, str]] = field(default_factory=list)  # with the reason
    cancelled: list[Path] = field(default_factory=list)           # stopped before their turn

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        def files(n: int) -> str:
            return f"{n} file" if n == 1 else f"{n} files"

        parts = []
        if self.written:
            folders = {p.parent for p in self.written}
            where = f" in {next(iter(folders))}" if len(folders) == 1 else ""
            parts.append(f"Saved {files(len(self.written))}{where}")
        else:
            parts.append("Saved nothing")
        if self.skipped:
            parts.append(f"kept {files(len(self.skipped))} that already existed")
        if self.cancelled:
            parts.append(f"stopped before {files(len(self.cancelled))}")
        text = "; ".join(parts) + "."
        if self.failed:
            reasons = list(dict.fromkeys(reason for _, reason in self.failed))
            n = len(self.failed)
            text += (f" {files(n).capitalize()} could not be saved: {reasons[0]}" if n > 1
                     else f" {reasons[0]}")
            if len(reasons) > 1:
                text += f" (and {len(reasons) - 1} other problem"
                text += ")" if len(reasons) == 2 else "s)"
        return text

    def details(self) -> list[str]:
        """One line per file that was not saved, for a "Show details" box."""
        return ([f"{p.name}: {reason}" for p, reason in self.failed]
                + [f"{p.name}: already existed, kept" for p in self.skipped]
                + [f"{p.name}: not saved, stopped" for p in self.cancelled])


def run_plan(plan: Sequence[PlannedFile], overwrite: bool | set[Path] | frozenset[Path], *,
             progress: Callable[[int, int], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> ExportReport:
    """Write the planned files; meant for a worker thread.

    ``overwrite`` is True (replace every existing file), False (keep them all), or the set of
    targets that may be replaced. A target that appeared since planning is kept unless allowed.
    A missing or read-only folder or a full disk stops the batch: every later file would fail
    the same way. ``progress(done, total)`` is called after each file, from this thread.
    """
    report = ExportReport()
    total = len(plan)
    allowed = {Path(p) for p in overwrite} if isinstance(overwrite, (set, frozenset)) else None
    for i, item in enumerate(plan):
        if should_stop is not None and should_stop():
            report.cancelled.extend(p.target for p in plan[i:])
            break
        may_replace = overwrite is True or (allowed is not None and item.target in allowed)
        if os.path.lexists(item.target) and not may_replace:
            report.skipped.append(item.target)
        else:
            try:
                if item.kind == "mask":
                    export_mask(item.source, item.target, item.options)
                else:
                    export_cutout(item.source, item.mask_source, item.target, item.options)
                report.written.append(item.target)
            except ExportError as err:
                report.failed.append((item.target, str(err)))
                if err.kind in ("folder", "disk"):
                    report.failed.extend((p.target, str(err)) for p in plan[i + 1:])
                    if progress is not None:
                        progress(total, total)
                    break
        if progress is not None:
            progress(i + 1, total)
    return report
