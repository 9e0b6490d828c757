"""The contract's fixed facts that settings and policies need, without the HTTP stack."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BASE_URL = "https://api-base.hitpaw.com"


@dataclass(frozen=True)
class DownloadLimits:
    max_bytes: int = 150 * 1024 * 1024
    max_pixels: int = 120_000_000  # well above 24 MP photos, far below decompression bombs
    connect_timeout: float = 10.0
    read_timeout: float = 30.0     # between two reads
    total_timeout: float = 300.0   # for the whole file, so a trickle cannot hang a job
