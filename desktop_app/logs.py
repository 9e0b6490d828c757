"""A rotating log file in the user's log folder, with every known secret redacted."""

from __future__ import annotations

import logging
import logging.handlers

from desktop_app import paths

_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Anything registered here is replaced by "[redacted]" in every log record."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            text = record.getMessage()
            for secret in _SECRETS:
                text = text.replace(secret, "[redacted]")
            record.msg, record.args = text, None
        return True


def setup_logging(level: int = logging.INFO) -> None:
    folder = paths.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / "cutout.log", maxBytes=1_000_000,
                                                   backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
