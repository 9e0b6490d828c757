"""Typed errors of the HitPaw client.

Every error carries ``user_message``: one sentence a designer understands, plus what to do
next. The job pipeline decides from the error's type whether to retry, fail the job or pause
the queue, so the classes mirror the behaviours in ``hitpaw-api.md``, not HTTP mechanics.
Nothing here ever holds the API key.
"""

from __future__ import annotations


class CutoutError(Exception):
    """Base of every error the user may see; ``str(err)`` is the user's sentence."""

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail  # for the log only; never shown as a traceback


class TransientError(CutoutError):
    """A fault that may go away by itself: worth retrying where retrying is safe."""


class NotSentError(TransientError):
    """The request surely never reached the service (refused, DNS, connect timeout)."""


class ConnectionLostError(TransientError):
    """The request was sent but the answer never came (dropped connection, read timeout)."""


class MalformedAnswerError(TransientError):
    """The service answered with something that is not the contract's JSON envelope."""


class ServerFaultError(TransientError):
    """HTTP 5xx or code 100500000: the service said it failed, so nothing was charged."""


class UnknownOutcomeError(CutoutError):
    """A submit whose answer was lost: it may or may not have been charged."""


class ApiError(CutoutError):
    """The service answered with an error envelope."""

    def __init__(self, user_message: str, *, code: int | None, vendor_message: str,
                 http_status: int) -> None:
        super().__init__(user_message, detail=f"code={code} http={http_status} {vendor_message!r}")
        self.code = code
        self.vendor_message = vendor_message
        self.http_status = http_status


class NoAccessError(ApiError):
    """100400000: the key's plan may not use this endpoint. Pauses the queue."""


class InvalidUrlError(ApiError):
    """100400001: the service could not fetch this one link. Fails that job only."""


class BadRequestError(ApiError):
    """100400002: a malformed request or an unknown job id. Never retried blindly."""


class KeyProblem(ApiError):
    """100401000 or 110400000: the key is expired or wrong. Pauses the queue, asks for a key."""

    @property
    def expired(self) -> bool:
        return self.code == 100401000


class OutOfCoinsError(ApiError):
    """110402000: no coins left. Pauses the queue until the user tops up."""


class DownloadError(CutoutError):
    """A result file could not be downloaded or is not a usable image."""


class ResultExpiredError(DownloadError):
    """The result link answered 403/404/410: HitPaw keeps results for 8 days only."""


_SENTENCES: dict[int, tuple[type[ApiError], str]] = {
    100400000: (NoAccessError, "This API key may not use background removal: check your "
                               "HitPaw plan, then press Resume. Your queue is kept."),
    100400001: (InvalidUrlError, "HitPaw could not fetch this link: check that it is a public "
                                 "link to a JPG, PNG or WebP image."),
    100400002: (BadRequestError, "HitPaw rejected the request as malformed (Bad Request); "
                                 "please report this to the Cutout developers."),
    100401000: (KeyProblem, "Your HitPaw API key has expired: enter a new key to resume. "
                            "Your queue is kept."),
    110400000: (KeyProblem, "HitPaw does not accept this API key: check it to resume. "
                            "Your queue is kept."),
    110402000: (OutOfCoinsError, "Your HitPaw account is out of coins: top up, then press "
                                 "Resume. Your queue is kept."),
}


def error_for_code(code: int | None, vendor_message: str, http_status: int) -> CutoutError:
    """Map a vendor error envelope to the error class that says what to do about it."""
    if code == 100500000 or (code is None and http_status >= 500):
        return ServerFaultError("HitPaw had an internal error; Cutout will retry shortly.",
                                detail=f"code={code} http={http_status} {vendor_message!r}")
    if code in _SENTENCES:
        cls, sentence = _SENTENCES[code]
        return cls(sentence, code=code, vendor_message=vendor_message, http_status=http_status)
    if http_status >= 500:
        return ServerFaultError("HitPaw had an internal error; Cutout will retry shortly.",
                                detail=f"code={code} http={http_status} {vendor_message!r}")
    shown = vendor_message.strip().rstrip(".") or "no explanation given"
    label = f"error {code}" if code is not None else f"HTTP status {http_status}"
    return ApiError(f"HitPaw answered with {label}: {shown}.", code=code,
                    vendor_message=vendor_message, http_status=http_status)
