"""Where the API is and which key opens it, as one value.

The window, its workers and the CLI hand this around instead of a loose base URL, key and
session, so the key travels in one place that never shows it (``repr``, logs, tracebacks).
Light to import: requests is loaded only when a session or client is made, in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from desktop_app.api.defaults import trim_base_url

if TYPE_CHECKING:
    import requests

    from desktop_app.api.client import HitPawClient


def _new_requests_session() -> requests.Session:
    import requests

    return requests.Session()


@dataclass(frozen=True)
class Connection:
    """The API's base URL and key, and how to make an HTTP session for them.

    A ``requests.Session`` is not safe across threads, so each thread asks for its own
    (``new_session``) or is lent one that no other thread uses at the time.
    """

    base_url: str
    api_key: str = field(repr=False)
    session_factory: Callable[[], requests.Session] = field(
        default=_new_requests_session, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", trim_base_url(self.base_url))

    def __repr__(self) -> str:  # never the key
        return f"Connection({self.base_url!r})"

    def new_session(self) -> requests.Session:
        return self.session_factory()

    def client(self, session: requests.Session | None = None, **timeouts: float) -> HitPawClient:
        """A client for this thread, on ``session`` (a new one if none is lent)."""
        from desktop_app.api.client import HitPawClient

        return HitPawClient(self.base_url, self.api_key,
                            session=session if session is not None else self.new_session(),
                            **timeouts)
