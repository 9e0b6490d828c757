"""Scripted misbehaviour for the sandbox.

The real service can fail in ways a happy-path server never shows: error codes with either
HTTP style, broken bodies, lost answers, stuck jobs, expired or poisoned result files. Tests
arm a :class:`Fault` to make the next matching request(s) fail in exactly one of those ways,
so every failure branch of the client can be exercised over real HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The vendor's error table: code -> (HTTP status, message), as published in the contract.
ERROR_TABLE: dict[int, tuple[int, str]] = {
    100400000: (400, "No access"),
    100400001: (400, "Invalid URL"),
    100400002: (400, "Bad Request"),
    100401000: (401, "Token is expired"),
    100500000: (500, "Internal error"),
    110400000: (400, "api_key is not valid"),
    110402000: (402, "The coins are not enough"),
}

#: What an unknown code says; the client must still show it as an error.
UNKNOWN_CODE_MESSAGE = "Something odd"

ENDPOINTS = ("submit", "status", "file")

_GENERIC_KINDS = frozenset(
    {"code", "http500_html", "non_json", "truncated_json", "missing_fields", "drop", "slow", "redirect"}
)

#: Which kinds make sense where; anything else is a typo in a test and is refused early.
KINDS_BY_ENDPOINT: dict[str, frozenset[str]] = {
    "submit": _GENERIC_KINDS | {"drop_after_charge"},
    "status": _GENERIC_KINDS | {"stuck", "job_error", "unknown_status"},
    "file": _GENERIC_KINDS
    | {
        "expired_403",
        "expired_404",
        "not_image",
        "truncated_image",
        "bomb",
        "huge",
        "redirect_other_host",
    },
}


def http_status_for(code: int) -> int:
    """HTTP status the contract pairs with a vendor code; unknown codes read as a plain 400."""
    return ERROR_TABLE.get(code, (400, ""))[0]


def message_for(code: int) -> str:
    """Message the contract pairs with a vendor code."""
    return ERROR_TABLE.get(code, (0, UNKNOWN_CODE_MESSAGE))[1]


@dataclass
class Fault:
    """One scripted misbehaviour, applied to the next ``times`` matching requests.

    ``match`` narrows it to requests whose file_url (submit), job_id (status) or path (file)
    contains that substring. ``times=None`` keeps it armed until :meth:`clear_faults`.
    """

    endpoint: str
    kind: str
    code: int | None = None
    http_style: bool = True
    message: str | None = None
    times: int | None = 1
    delay: float = 0.0
    location: str | None = None
    match: str | None = None

    def __post_init__(self) -> None:
        # Fail at arming time, in the test that made the typo, not as a puzzling pass later.
        if self.endpoint not in KINDS_BY_ENDPOINT:
            raise ValueError(f"unknown fault endpoint {self.endpoint!r}; use one of {ENDPOINTS}")
        if self.kind not in KINDS_BY_ENDPOINT[self.endpoint]:
            allowed = ", ".join(sorted(KINDS_BY_ENDPOINT[self.endpoint]))
            raise ValueError(f"fault kind {self.kind!r} does not apply to {self.endpoint!r}: {allowed}")
        if self.kind == "code" and self.code is None:
            raise ValueError("a fault of kind 'code' needs a code")
        if self.kind == "redirect" and not self.location:
            raise ValueError("a fault of kind 'redirect' needs a location")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1, or None for forever")
        if self.delay < 0:
            raise ValueError("delay cannot be negative")

    def error_message(self) -> str:
        """The message to put in the envelope of a ``code`` fault."""
        if self.message is not None:
            return self.message
        return message_for(self.code if self.code is not None else 0)

    def error_http_status(self) -> int:
        """HTTP status of a ``code`` fault: the table's in HTTP style, else 200."""
        if not self.http_style or self.code is None:
            return 200
        return http_status_for(self.code)


@dataclass
class _Armed:
    fault: Fault
    remaining: int | None


class FaultBook:
    """The armed faults, in the order added, each with its remaining uses.

    Not thread-safe on its own: the sandbox state calls it under its single lock.
    """

    def __init__(self) -> None:
        self._armed: list[_Armed] = []

    def add(self, fault: Fault) -> None:
        """Arm a fault after those already armed."""
        self._armed.append(_Armed(fault, fault.times))

    def clear(self) -> None:
        """Disarm everything."""
        self._armed.clear()

    def take(self, endpoint: str, subject: str, exclude_kinds: frozenset[str] = frozenset()) -> Fault | None:
        """Use up one application of the first fault that matches this request, if any."""
        for entry in self._armed:
            fault = entry.fault
            if fault.endpoint != endpoint or fault.kind in exclude_kinds:
                continue
            if fault.match is not None and fault.match not in subject:
                continue
            if entry.remaining is not None:
                entry.remaining -= 1
                if entry.remaining == 0:
                    self._armed.remove(entry)
            return fault
        return None
