"""The contract's fixed facts, and where the environment may override them.

Light on purpose (no requests, no Pillow, no Qt): the settings read it before the window's
first paint, and the CLI and the keyring wrapper read the same names, so a script and the
window always agree on what ``HITPAW_API_BASE`` and ``HITPAW_API_KEY`` mean.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_BASE_URL = "https://api-base.hitpaw.com"
BASE_URL_ENV = "HITPAW_API_BASE"   # beats the stored base URL: scripts, tests, sandboxes
KEY_ENV = "HITPAW_API_KEY"         # beats the keyring: scripts and CI


def trim_base_url(base_url: str) -> str:
    """Spaces and trailing slashes off, so the endpoints' paths can be appended as they are."""
    return base_url.strip().rstrip("/")


def base_url_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The base URL set by ``HITPAW_API_BASE``, trimmed; None when unset or blank."""
    environ = os.environ if environ is None else environ
    return trim_base_url(environ.get(BASE_URL_ENV, "")) or None


def key_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The key set by ``HITPAW_API_KEY``; None when unset or blank. Never logged."""
    environ = os.environ if environ is None else environ
    return environ.get(KEY_ENV, "").strip() or None


@dataclass(frozen=True)
class DownloadLimits:
    max_bytes: int = 150 * 1024 * 1024
    max_pixels: int = 120_000_000  # well above 24 MP photos, far below decompression bombs
    connect_timeout: float = 10.0
    read_timeout: float = 30.0     # between two reads
    total_timeout: float = 300.0   # for the whole file, so a trickle cannot hang a job
