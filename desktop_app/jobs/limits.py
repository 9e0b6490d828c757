"""The limits the window's settings, the CLI and the job policy all keep to.

A module of its own with no imports at load time, because the settings read it before the window's first
paint and must not pull in the job machinery (threads, dataclasses) to do so.
"""

MIN_POLL, MAX_POLL = 2.0, 5.0   # seconds between status checks: HitPaw asks for 2 to 5
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 16            # jobs HitPaw works on for us at once; no published rate limit


def default_local_places() -> int:
    """Jobs cut out on this computer at once: half the cores, at least one. One inference
    already uses several cores; a second overlaps only its decode and PNG writing with it."""
    import os

    return max(1, (os.cpu_count() or 2) // 2)
