"""The limits the window's settings, the CLI and the job policy all keep to.

A module of its own with no imports, because the settings read it before the window's first
paint and must not pull in the job machinery (threads, dataclasses) to do so.
"""

MIN_POLL, MAX_POLL = 2.0, 5.0   # seconds between status checks: HitPaw asks for 2 to 5
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 16            # jobs HitPaw works on for us at once; no published rate limit
