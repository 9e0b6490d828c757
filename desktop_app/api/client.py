"""The HitPaw Image Segmentation API, one request at a time.

The client makes single attempts and turns every outcome into either a typed result or a
typed error (see ``errors.py``); the job pipeline owns retries, because only it knows whether
a retry could charge the user twice. One client (and so one ``requests.Session``) per worker
thread: a Session is not safe to share across threads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from desktop_app.api.defaults import trim_base_url
from desktop_app.api.errors import (
    ApiError,
    BadRequestError,
    ConnectionLostError,
    CutoutError,
    MalformedAnswerError,
    NotSentError,
    ServerFaultError,
    UnknownOutcomeError,
    error_for_code,
)

SUBMIT_PATH = "/api/image-segmentation"
STATUS_PATH = "/api/task-status"
USER_AGENT = "Cutout-desktop"


@dataclass(frozen=True)
class SubmitResult:
    job_id: str
    coins: int | None


@dataclass(frozen=True)
class TaskStatus:
    job_id: str
    status: str  # CONVERTING, COMPLETED, ERROR, or a value the contract does not know yet
    res_url: str | None = None
    mask_url: str | None = None
    original_url: str | None = None


def host_label(url: str) -> str:
    return urlsplit(url).netloc or url


class HitPawClient:
    """Talks to the two API endpoints; sends ``Apikey`` to them and nowhere else."""

    def __init__(self, base_url: str, api_key: str, *, session: requests.Session | None = None,
                 connect_timeout: float = 5.0, read_timeout: float = 20.0) -> None:
        self.base_url = trim_base_url(base_url)
        self._api_key = api_key
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.timeout = (connect_timeout, read_timeout)

    def __repr__(self) -> str:  # never show the key
        return f"HitPawClient({self.base_url!r})"

    def close(self) -> None:
        self.session.close()

    # -- the two endpoints -------------------------------------------------------------
    def submit(self, file_url: str) -> SubmitResult:
        """Start a job. Costs coins, so a lost answer becomes ``UnknownOutcomeError``."""
        try:
            data = self._post(SUBMIT_PATH, {"file_url": file_url})
        except (ConnectionLostError, MalformedAnswerError) as err:
            raise UnknownOutcomeError(
                "The link was sent but HitPaw's answer was lost, so Cutout cannot tell whether "
                "the job started. It was not resent, so you are not charged twice: use "
                "Resubmit to try again.", detail=err.detail or err.user_message) from None
        job_id = data.get("job_id")
        if not isinstance(job_id, str) or not job_id.strip():
            raise UnknownOutcomeError(
                "HitPaw accepted the link but sent no job id, so Cutout cannot follow the job. "
                "It was not resent, so you are not charged twice: use Resubmit to try again.",
                detail=f"data keys: {sorted(data)}")
        coins = data.get("consume_coins")
        try:
            coins = int(coins) if coins is not None else None
        except (TypeError, ValueError):
            coins = None
        return SubmitResult(job_id=job_id.strip(), coins=coins)

    def status(self, job_id: str) -> TaskStatus:
        """Ask how a job is doing. Free, so every failure here is safe to retry."""
        data = self._post(STATUS_PATH, {"job_id": job_id})
        status = data.get("status")
        if not isinstance(status, str) or not status:
            raise MalformedAnswerError("HitPaw sent a status answer without a status.",
                                       detail=f"data keys: {sorted(data)}")
        status = status.strip().upper()

        def url(name: str) -> str | None:
            value = data.get(name)
            return value.strip() if isinstance(value, str) and value.strip() else None

        result = TaskStatus(job_id=job_id, status=status, res_url=url("res_url"),
                            mask_url=url("mask_url"), original_url=url("original_url"))
        if status == "COMPLETED" and not (result.res_url and result.mask_url):
            raise MalformedAnswerError("HitPaw said the job is done but sent no result links.",
                                       detail=f"data keys: {sorted(data)}")
        return result

    def check_key(self) -> None:
        """Test the key without spending coins: poll a job id that cannot exist.

        A valid key gets "Bad Request" (unknown job); a bad one gets the key errors.
        """
        try:
            self.status("cutout-key-check-0000")
        except BadRequestError:
            return

    # -- plumbing --------------------------------------------------------------------
    def _post(self, path: str, payload: dict) -> dict:
        url = self.base_url + path
        try:
            response = self.session.post(url, json=payload, headers={"Apikey": self._api_key},
                                         timeout=self.timeout, allow_redirects=False)
        except requests.exceptions.ConnectTimeout:
            raise NotSentError(f"Could not reach HitPaw at {host_label(url)} in time: check "
                               "your internet connection.") from None
        except requests.exceptions.SSLError:
            raise CutoutError(f"Could not make a secure connection to {host_label(url)}: its "
                              "certificate was not accepted.") from None
        except requests.exceptions.ReadTimeout:
            raise ConnectionLostError(f"HitPaw at {host_label(url)} took too long to answer.",
                                      detail="read timeout") from None
        except requests.exceptions.ConnectionError as err:
            if _never_connected(err):
                raise NotSentError(f"Could not reach HitPaw at {host_label(url)}: check your "
                                   "internet connection.", detail=type(err).__name__) from None
            raise ConnectionLostError("The connection to HitPaw dropped before it answered.",
                                      detail=f"{type(err).__name__}: {err}") from None
        except requests.exceptions.RequestException as err:
            raise ConnectionLostError("The connection to HitPaw failed while waiting for "
                                      "its answer.", detail=type(err).__name__) from None
        with response:
            return _read_envelope(response)


def _never_connected(err: requests.exceptions.ConnectionError) -> bool:
    """True when the TCP connection was never made (refused, DNS): nothing was sent."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [err]
    while stack:
        exc = stack.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, (NewConnectionError, ConnectionRefusedError)):
            return True
        stack.extend([getattr(exc, "reason", None), exc.__cause__, exc.__context__])
        stack.extend(a for a in exc.args if isinstance(a, BaseException))
    return False


def _read_envelope(response: requests.Response) -> dict:
    status = response.status_code
    if 300 <= status < 400:
        where = response.headers.get("Location", "another address")
        raise ApiError(f"The API address redirects to {where}: enter the final address in "
                       "Settings.", code=None, vendor_message="redirect", http_status=status)
    try:
        envelope = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        envelope = None
    if not isinstance(envelope, dict) or "code" not in envelope:
        if status >= 500:
            raise ServerFaultError("HitPaw had an internal error; Cutout will retry shortly.",
                                   detail=f"http={status}, body not an envelope")
        raise MalformedAnswerError("HitPaw sent an answer Cutout could not read.",
                                   detail=f"http={status}, body not an envelope")
    try:
        code: int | None = int(envelope["code"])
    except (TypeError, ValueError):
        code = None
    message = envelope.get("message")
    message = message if isinstance(message, str) else ""
    if code == 200 and status < 400:
        data = envelope.get("data")
        if not isinstance(data, dict):
            raise MalformedAnswerError("HitPaw sent an answer without its data.",
                                       detail=f"http={status}")
        return data
    raise error_for_code(code if code != 200 else None, message, status)
