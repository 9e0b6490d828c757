"""The sandbox server object that tests, demos and benchmarks start and steer.

It speaks the whole HitPaw contract on 127.0.0.1 from a daemon thread, so the app's
"Try it with the built-in sandbox", the integration tests and the benchmarks all exercise
real HTTP without an account, coins or a network.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, TypeVar, overload
from urllib.parse import quote, urlencode

from desktop_app.sandbox.faults import Fault
from desktop_app.sandbox.handler import SandboxHandler
from desktop_app.sandbox.samples import SampleCache
from desktop_app.sandbox.state import SandboxState, SandboxStats

log = logging.getLogger(__name__)

DEFAULT_API_KEY = "sandbox-key"
EIGHT_DAYS = 8 * 24 * 3600.0
STOP_SEGMENTING_S = 30.0  # the longest a stop waits for cut-outs already running

T = TypeVar("T")


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that can also cut its open keep-alive connections on stop.

    Without that, a client's pooled connection would keep being served by a handler thread
    after :meth:`SandboxServer.stop`, and "the server went away" could not be tested.
    """

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 resets connections when a batch of 20 arrives at
    # once while the GIL is busy; a real service accepts far more.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: SandboxState, samples: SampleCache) -> None:
        self.state = state
        self.samples = samples
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, SandboxHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall for
        # seconds on a machine without DNS; the name is never used here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut every open client connection, so no handler thread answers after stop."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        # Clients hanging up mid-answer is routine here (drops, huge files, stop()).
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        log.error("sandbox: error while handling a request from %s", client_address, exc_info=True)


class _OnState(Generic[T]):
    """A setting of the server kept on its ``SandboxState``, which the handler threads read,
    so a change applies to the next request; ``convert`` keeps the state's own type."""

    def __init__(self, convert: Callable[[Any], T] | None = None) -> None:
        self._convert = convert
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, server: None, owner: type) -> _OnState[T]: ...

    @overload
    def __get__(self, server: SandboxServer, owner: type) -> T: ...

    def __get__(self, server: SandboxServer | None, owner: type) -> T | _OnState[T]:
        return self if server is None else getattr(server._state, self._name)

    def __set__(self, server: SandboxServer, value: T) -> None:
        setattr(server._state, self._name, self._convert(value) if self._convert else value)


class SandboxServer:
    """A contract-complete HitPaw look-alike on a local port.

    ``processing_time``, ``coins_per_job``, ``api_keys`` and ``result_ttl`` may be changed
    while it runs; they apply to requests received afterwards.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: tuple[str, ...] = (DEFAULT_API_KEY,),
        processing_time: float = 3.0,
        coins_per_job: int = 20,
        result_ttl: float = EIGHT_DAYS,
    ) -> None:
        self.host = host
        self._port = port
        self._state = SandboxState(tuple(api_keys), processing_time, coins_per_job, result_ttl)
        self._samples = SampleCache()
        self._httpd: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> SandboxServer:
        """Listen and serve from a daemon thread. After a stop, listens on the same port again."""
        if self._httpd is not None:
            raise RuntimeError("the sandbox is already running")
        self._state.stopping.clear()
        httpd = SandboxHTTPServer((self.host, self._port), self._state, self._samples)
        self._port = httpd.server_address[1]
        self._state.base_url = f"http://{self.host}:{self._port}"
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, cut open connections and let the cut-outs in progress end (small
        images take a fraction of a second; a test's 24 MP one a few)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._state.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._state.join_segmenting(timeout=STOP_SEGMENTING_S)

    def __enter__(self) -> SandboxServer:
        return self if self._httpd is not None else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port listened on (the ephemeral one chosen when started with port 0)."""
        if self._port == 0:
            raise RuntimeError("the sandbox has not been started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port``, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def sample_url(self, name: str, width: int | None = None, height: int | None = None) -> str:
        """URL of a generated sample image; the extension of ``name`` picks the format."""
        url = f"{self.base_url}/samples/{quote(name)}"
        size = {key: value for key, value in (("w", width), ("h", height)) if value is not None}
        return f"{url}?{urlencode(size)}" if size else url

    # --- settings that may change while running --------------------------------------------

    processing_time = _OnState[float]()
    coins_per_job = _OnState[int]()
    api_keys = _OnState[tuple[str, ...]](tuple)
    result_ttl = _OnState[float]()

    # --- levers and readings for tests ------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        """Arm a fault; faults are checked in the order added."""
        self._state.add_fault(fault)

    def clear_faults(self) -> None:
        self._state.clear_faults()

    def expire_results(self, job_id: str | None = None) -> None:
        """Make the file links of one job (KeyError if unknown) or of every job answer 404."""
        self._state.expire_results(job_id)

    @property
    def stats(self) -> SandboxStats:
        """A snapshot of the counters; later requests do not change it."""
        return self._state.stats()

    def completed_at(self, job_id: str) -> float | None:
        """``time.time()`` at which the job turned COMPLETED, or None if it has not (yet)."""
        return self._state.completed_at(job_id)
