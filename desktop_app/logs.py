"""A rotating log file in the user's log folder, with every known secret redacted."""

from __future__ import annotations

import logging
import re
import sys

from desktop_app import paths

_SECRETS: set[str] = set()
# What makes a presigned storage link a credential (its signature and any session token):
# redacted wherever a library logs the link, so no log holds a link that still opens.
_LINK_CREDENTIALS = re.compile(r"((?:X-Amz-Signature|X-Amz-Security-Token|Signature)=)"
                               r"[^&\s\"'<>]+", re.IGNORECASE)


def register_secret(value: str | None) -> None:
    """Anything registered here is replaced by "[redacted]" in every log record."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "[redacted]")
    return _LINK_CREDENTIALS.sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """Redacts the message and any traceback before a handler formats the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = redact(text), None
        return True


def install_excepthook(on_error) -> None:
    """Log unexpected errors (redacted) and tell the user in a sentence, never crash."""
    def hook(exc_type, exc, tb) -> None:
        logging.getLogger("desktop_app").error("unexpected error", exc_info=(exc_type, exc, tb))
        on_error("Something went wrong inside Cutout; the details are in the log "
                 "(Help > Open log folder).")
    sys.excepthook = hook


def setup_logging(level: int = logging.INFO) -> None:
    import logging.handlers  # socket, pickle and more: not needed before the log is opened

    folder = paths.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / "cutout.log", maxBytes=1_000_000,
                                                   backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    for noisy in ("urllib3", "botocore", "boto3", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
