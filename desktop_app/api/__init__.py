"""Qt-free client of the HitPaw Image Segmentation API."""

from desktop_app.api.client import DEFAULT_BASE_URL, HitPawClient, SubmitResult, TaskStatus
from desktop_app.api.download import DownloadLimits, ImageFile, check_image, download_image
from desktop_app.api.errors import (
    PAUSING_ERRORS,
    ApiError,
    BadRequestError,
    ConnectionLostError,
    CutoutError,
    DownloadError,
    InvalidUrlError,
    KeyProblem,
    MalformedAnswerError,
    NoAccessError,
    NotSentError,
    OutOfCoinsError,
    ResultExpiredError,
    ServerFaultError,
    TransientError,
    UnknownOutcomeError,
)

__all__ = [
    "DEFAULT_BASE_URL", "HitPawClient", "SubmitResult", "TaskStatus", "DownloadLimits",
    "download_image", "ApiError", "BadRequestError", "CutoutError", "DownloadError",
    "InvalidUrlError", "KeyProblem", "NoAccessError", "NotSentError", "OutOfCoinsError",
    "ResultExpiredError", "TransientError", "UnknownOutcomeError", "PAUSING_ERRORS",
    "ConnectionLostError", "MalformedAnswerError", "ServerFaultError", "ImageFile",
    "check_image",
]
