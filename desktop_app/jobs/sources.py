"""What a designer pastes, drops or opens, sorted into web links, image files on this computer
and refusals: every refused item keeps its own sentence, and all of them are listed.

Three steps, so the window never waits on the disk:

1. ``read_text`` (pasted text) or ``read_items`` (dropped or opened items, one source each)
   only look at the words: links are checked as ``jobs.links`` always did, paths are made
   absolute. No disk access: safe on the GUI thread.
2. ``expand`` lists dropped folders, recursively (sorted, hidden files and folders skipped,
   image names only), and says how many images each holds, so the window can ask before
   adding hundreds.
3. ``check`` inspects each file with ``jobs.images.inspect`` (the header, no decode) and
   drops duplicates (the same file reached twice).

Steps 2 and 3 touch the disk: the window runs them off the GUI thread. ``collect`` does all
three, for the CLI (``collect(argv_sources, cwd=Path.cwd())``).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from desktop_app.jobs.links import clean_link, link_candidates

# jobs.images (Pillow) is imported by the steps that touch the disk: reading the words is
# light enough for the window's first frame and the launcher.

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# several bare paths (or a path and a link) on one line ("/a/x.jpg /b/y.jpg"); a space
# inside a file name stays
_NEXT_PATH = re.compile(r"(?i)\s+(?=(?:/|~/|file:/|https?://))")
_IMAGE_NAME = re.compile(r"(?i)^[^\s/]+\.(?:jpe?g|jpe|png|webp|heic|heif|hif|tiff?)$")
FORMATS_SENTENCE = "JPG, PNG, WebP, HEIC or TIFF"


@dataclass(frozen=True)
class Problem:
    """One refused item: ``item`` as the designer gave it (the link box keeps it), and the
    sentence that says why and what to do."""
    item: str
    sentence: str


@dataclass(frozen=True)
class Folder:
    """A folder that was read, and how many image files it holds (before they are checked)."""
    path: Path
    images: int


@dataclass
class Sources:
    """Links and files to add, in the order given, and everything refused.

    ``pending`` holds local paths not looked at yet: after ``read_*`` they may be files,
    folders or nothing; after ``expand`` they are files; ``check`` empties it into ``files``.
    """
    links: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    pending: list[tuple[str, Path]] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        """Every accepted source as a job takes it: the link, or the file's absolute path."""
        return self.links + [str(p) for p in self.files]

    @property
    def needs_disk(self) -> bool:
        """Whether ``expand`` and ``check`` have work to do (the window runs them in a task)."""
        return bool(self.pending)

    @property
    def refused_text(self) -> str:
        """The refused items, one a line: what the link box keeps."""
        return "\n".join(dict.fromkeys(p.item for p in self.problems))

    @property
    def summary(self) -> str:
        """One or two sentences for the status bar."""
        return summary(len(self.links), len(self.files), self.problems)


def summary(links: int, files: int, problems: list[Problem]) -> str:
    """"Added 12 images. 3 items were not added." (one refusal is quoted in full)."""
    parts = []
    total = links + files
    if total:
        noun = "image link" if not files else "image"
        parts.append(f"Added {total} {noun}{'s' if total != 1 else ''}.")
    if len(problems) == 1:
        parts.append(problems[0].sentence)
    elif problems:
        parts.append(f"{len(problems)} items were not added.")
    if not parts:
        parts.append("No images found: paste links that start with http:// or https://, or "
                     "paths of image files.")
    return " ".join(parts)


# -- step 1: the words only -------------------------------------------------------------
def items_in_text(text: str) -> list[str]:
    """The sources in pasted text, each as written: links (found inside any text), paths
    (a line that starts with /, ~ or a quote), and lone file names (to be explained)."""
    items: list[str] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if line[0] in "'\"":
            items.extend(_quoted(line))
        elif line.startswith(("/", "~")):
            items.extend(_bare_paths(line))
        else:
            found = link_candidates(line)
            if found:
                items.extend(found)
            elif _IMAGE_NAME.match(line):
                items.append(line)
    return items


def _quoted(line: str) -> list[str]:
    """'/my photos/a.jpg' "/b.jpg": quoted as a shell or a file manager writes them."""
    try:
        return shlex.split(line)
    except ValueError:  # an unbalanced quote: the line is one path
        return [line.strip("'\"")]


def _bare_paths(line: str) -> list[str]:
    """/my photos/a.jpg (spaces kept), /a.jpg /b.jpg (two), /my\\ photo.jpg (a terminal's)."""
    if "\\ " in line:
        line = line.replace("\\ ", " ")
    return [p for p in _NEXT_PATH.split(line) if p]


def read_text(text: str, *, cwd: Path | None = None) -> Sources:
    """Pasted text, sorted (no disk access)."""
    return read_items(items_in_text(text), cwd=cwd)


def read_items(items: list[str], *, cwd: Path | None = None) -> Sources:
    """Items that are one source each (dropped URLs, opened files, command-line arguments),
    sorted without touching the disk. ``cwd``: relative paths are files there (the CLI);
    without it a bare file name is refused with a sentence (the window has no folder for it).
    """
    found = Sources()
    for item in items:
        item = item.strip()
        if not item:
            continue
        if item.lower().startswith("file:"):
            path = _file_url_path(item)
            if path is None:
                found.problems.append(Problem(item, (
                    f"\u201c{_short(item)}\u201d is a file on another computer: copy it to "
                    "this one, then add it.")))
            else:
                found.pending.append((item, path))
        elif _SCHEME.match(item):
            url, problem = clean_link(item)
            if problem:
                found.problems.append(Problem(item, problem))
            elif url not in found.links:
                found.links.append(url)
        else:
            path = local_path(item, cwd=cwd)
            if path is None:
                found.problems.append(Problem(item, (
                    f"\u201c{_short(item)}\u201d is a file name without its folder: paste the "
                    "whole path (it starts with /), or drop the file on the window.")))
            else:
                found.pending.append((item, path))
    return found


def local_path(text: str, *, cwd: Path | None = None) -> Path | None:
    """The absolute path ``text`` names on this computer (a path, ~/..., or a file:// link),
    or None for a web link or a bare name with no ``cwd`` to resolve it against."""
    text = text.strip()
    if text.lower().startswith("file:"):
        return _file_url_path(text)
    if _SCHEME.match(text) and not re.match(r"^[A-Za-z]:[\\/]", text):
        return None
    path = Path(os.path.expanduser(text))
    if not path.is_absolute():
        if cwd is None:
            return None
        path = cwd / path
    return Path(os.path.normpath(path))


def _file_url_path(url: str) -> Path | None:
    """file:///home/a/my%20photo.jpg -> /home/a/my photo.jpg; None for another host's file."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    path = unquote(parts.path)
    return Path(os.path.normpath(path)) if path.startswith("/") else None


# -- step 2: folders ------------------------------------------------------------------
def expand(found: Sources) -> Sources:
    """Replace each folder in ``pending`` by the image files in it and below (sorted, hidden
    ones skipped); a folder with none is refused. Touches the disk."""
    pending: list[tuple[str, Path]] = []
    problems = list(found.problems)
    folders = list(found.folders)
    for item, path in found.pending:
        if not path.is_dir():
            pending.append((item, path))
            continue
        images, trouble = _images_in(path)
        problems.extend(Problem(str(p), sentence) for p, sentence in trouble)
        if images:
            folders.append(Folder(path, len(images)))
            pending.extend((str(p), p) for p in images)
        elif not trouble:
            problems.append(Problem(item, (
                f"The folder \u201c{path.name or path}\u201d has no images Cutout can read "
                f"({FORMATS_SENTENCE}).")))
    return replace(found, pending=pending, problems=problems, folders=folders)


def _images_in(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The image files under ``folder``, and a sentence for each sub-folder that could not
    be read. Symbolic links to folders are not followed (no loops)."""
    from desktop_app.jobs.images import is_image_name

    images: list[Path] = []
    trouble: list[tuple[Path, str]] = []

    def unreadable(err: OSError) -> None:
        where = Path(err.filename or folder)
        trouble.append((where, f"The folder \u201c{where.name or where}\u201d cannot be read: "
                               "you do not have permission to open it."))

    for root, dirs, names in os.walk(folder, onerror=unreadable):
        dirs[:] = sorted((d for d in dirs if not d.startswith(".")), key=_sort_key)
        images.extend(Path(root, n) for n in sorted(names, key=_sort_key)
                      if not n.startswith(".") and is_image_name(Path(n)))
    return images, trouble


def _sort_key(name: str) -> tuple[str, str]:
    return name.casefold(), name


# -- step 3: each file ------------------------------------------------------------------
def check(found: Sources) -> Sources:
    """Inspect every pending file (cheap: no decode); each bad one gets its sentence, and a
    file reached twice (pasted twice, or by a link to it) is added once. Touches the disk."""
    from desktop_app.jobs.images import LocalImageError, inspect

    files = list(found.files)
    problems = list(found.problems)
    seen = {os.path.realpath(p) for p in files}
    for item, path in found.pending:
        real = os.path.realpath(path)
        if real in seen:
            continue
        try:
            inspect(path)
        except LocalImageError as err:
            problems.append(Problem(item, str(err)))
            continue
        seen.add(real)
        files.append(path)
    problems = list(dict.fromkeys(problems))  # the same bad file given twice: said once
    return replace(found, files=files, problems=problems, pending=[])


def collect(items: list[str], *, cwd: Path | None = None) -> Sources:
    """All three steps for items that are one source each (the CLI's SOURCE arguments)."""
    return check(expand(read_items(items, cwd=cwd)))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
