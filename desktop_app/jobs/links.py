"""Finding image links in whatever a designer pastes or drops.

Everything that can be known before sending is checked here, so a bad link costs no coins
and gets its sentence at once: not a web link, a local file, a format HitPaw refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

REFUSED_EXTENSIONS = {".gif", ".tif", ".tiff", ".bmp", ".svg", ".heic", ".heif", ".avif",
                      ".psd", ".pdf", ".ico", ".raw", ".cr2", ".nef"}

_URL = re.compile(r"""(?i)\b(?:https?|file|ftp|javascript|data):[^\s<>"'`]+""")
_TRAILING = ".,;:!?)]}'\""
# a whole line that is one link with spaces in its file name ("https://x/my photo.jpg"), but
# not several links on one line ("https://x/a.jpg https://x/b.jpg")
_SPACED_LINE = re.compile(r"(?i)^https?://\S+(?: +(?!(?:https?|file|ftp|javascript|data):)\S+)+"
                          r"\.(?:jpe?g|png|webp)$")


@dataclass
class PastedLinks:
    urls: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # one sentence per refused item

    @property
    def summary(self) -> str:
        """One or two sentences for the status bar."""
        parts = []
        if self.urls:
            n = len(self.urls)
            parts.append(f"Added {n} image link{'s' if n != 1 else ''}.")
        if self.problems:
            parts.append(self.problems[0] if len(self.problems) == 1 else
                         f"{len(self.problems)} items were not added; the first: "
                         f"{self.problems[0]}")
        if not parts:
            parts.append("No image links found: paste links that start with http:// or "
                         "https://.")
        return " ".join(parts)


def link_candidates(line: str) -> list[str]:
    """The link-like words in one line of pasted text, as written (schemes of every kind, so
    that a ``javascript:`` or ``ftp:`` link is refused with a sentence, not ignored)."""
    line = line.strip()
    if _SPACED_LINE.match(line):
        return [line]
    return [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(line)]


def clean_link(raw: str) -> tuple[str | None, str | None]:
    """``(link, None)`` for a web link that may be sent (percent-encoded, IDNA host), else
    ``(None, sentence)``. ``file:`` links are local files: see ``jobs.sources``."""
    scheme = raw.split(":", 1)[0].lower()
    if scheme == "file":
        return None, (f"\u201c{_short(raw)}\u201d is a file on this computer: HitPaw can only "
                      "fetch images from public web links.")
    if scheme not in ("http", "https"):
        return None, (f"\u201c{_short(raw)}\u201d is not a web link: only http:// and "
                      "https:// links can be sent.")
    url = _requote(_ascii_host(raw))
    problem = check_link(url)
    return (None, problem) if problem else (url, None)


def extract_links(text: str) -> PastedLinks:
    """Pull every http(s) link out of ``text``; explain everything that was left out.

    Links only: the window and (once it takes files) the CLI read files too, through
    ``jobs.sources.read_text`` and ``jobs.sources.collect``, which use the two functions above.
    """
    result = PastedLinks()
    for line in (text or "").splitlines():
        for raw in link_candidates(line):
            url, problem = clean_link(raw)
            if problem:
                result.problems.append(problem)
            elif url not in result.urls:
                result.urls.append(url)
    return result


def check_link(url: str) -> str | None:
    """A sentence saying why this link can't be sent, or None if it may be sent."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"\u201c{_short(url)}\u201d is not a complete web link."
    ext = PurePosixPath(unquote(parts.path)).suffix.lower()
    if ext in REFUSED_EXTENSIONS:
        return (f"\u201c{_short(url)}\u201d is a {ext[1:].upper()} image: HitPaw accepts "
                "JPG, PNG and WebP only.")
    return None


_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _requote(url: str) -> str:
    """Percent-encode what a link may not carry raw (spaces, non-ASCII), keeping its escapes.

    A "%" that starts no escape ("50%.jpg") is itself encoded, as browsers do.
    """
    safe = "!#$&'()*+,/:;=?@[]~" + ("" if _STRAY_PERCENT.search(url) else "%")
    return quote(url, safe=safe)


def _ascii_host(url: str) -> str:
    """Spell an international host name in IDNA ("xn--"), which percent-quoting would break."""
    if url.isascii():   # nearly every link: no need to split it (a paste brings 500)
        return url
    netloc = urlsplit(url).netloc
    if netloc.isascii():
        return url
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport.partition(":")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return url  # left as it is: check_link or the service will refuse it
    return url.replace(netloc, f"{userinfo}{at}{ascii_host}{colon}{port}", 1)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
