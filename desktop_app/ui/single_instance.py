"""One Cutout window per user: a second launch hands its links to the first and leaves.

Two windows on one profile would resume the same unfinished jobs by their ids, poll each of
them twice as often as HitPaw allows and write one history file from two processes. So the
first window holds a lock file in the user's data folder (``QLockFile``: a lock whose process
has died is taken over) and listens on a local socket that only this user can open
(``QLocalServer`` with ``UserAccessOption``; its name is derived from the user and the lock's
path, so isolated profiles, as in the tests, never meet). A second launch that finds the lock
held sends its links there and waits for "ok".

The protocol is one JSON line each way: ``{"links": [...]}`` then ``{"ok": true}``. The CLI
never takes part: it keeps no history and never resumes the window's jobs.
"""

from __future__ import annotations

import time
import zlib
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal

HANDOVER_TIMEOUT_MS = 2000
_MAX_MESSAGE = 1 << 20          # a paste of thousands of links still fits; a flood does not


class Launch(Enum):
    FIRST = "first"             # this process holds the lock: open the window
    HANDED_OVER = "handed over"  # the running window took the links: exit 0
    NO_ANSWER = "no answer"     # a window holds the lock but did not answer in time


def server_name(lock_path: Path) -> str:
    """A socket name private to this user and this profile."""
    import getpass  # pwd and termios: not needed before the window's first paint

    user = "".join(c for c in getpass.getuser() if c.isalnum())[:32]
    return f"cutout-desktop-{user}-{zlib.crc32(str(lock_path).encode()):08x}"


class SingleInstance(QObject):
    """Owns the lock for the life of the window, and hears later launches."""

    links_received = Signal(list)   # list[str]: what a later launch was given
    activation_requested = Signal()  # a later launch asked for the window, links or not

    def __init__(self, lock_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lock_path = Path(lock_path)
        self._lock = QLockFile(str(self.lock_path))
        self._lock.setStaleLockTime(0)   # stale only when its process is gone, never by age
        self._server = None

    @property
    def name(self) -> str:
        return server_name(self.lock_path)

    def try_lock(self) -> bool:
        """True if this process is now the one window (a crashed owner's lock is taken)."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        return self._lock.tryLock(0)

    def hand_over(self, links: list[str], timeout_ms: int = HANDOVER_TIMEOUT_MS) -> Launch:
        """Give ``links`` to the running window; retry the connection until the deadline,
        because the first window starts listening only after its first frame."""
        import json

        from PySide6.QtNetwork import QLocalSocket

        deadline = time.monotonic() + timeout_ms / 1000
        message = (json.dumps({"links": links}) + "\n").encode()
        while (left := int((deadline - time.monotonic()) * 1000)) > 0:
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if not socket.waitForConnected(min(left, 250)):
                time.sleep(0.05)
                continue
            socket.write(message)
            answer = b""
            while b"\n" not in answer and socket.waitForReadyRead(
                    max(1, int((deadline - time.monotonic()) * 1000))):
                answer += bytes(socket.readAll().data())
            socket.abort()
            return Launch.HANDED_OVER if _is_ok(answer) else Launch.NO_ANSWER
        return Launch.NO_ANSWER

    def listen(self) -> bool:
        """Start hearing later launches (call after the first frame: QtNetwork costs time)."""
        from PySide6.QtNetwork import QLocalServer

        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(self.name)   # a crashed owner's socket file; the lock is ours
        self._server.newConnection.connect(self._accept)
        return self._server.listen(self.name)

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
        self._lock.unlock()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.setParent(self)
            buffer = bytearray()
            socket.readyRead.connect(lambda s=socket, b=buffer: self._read(s, b))
            socket.disconnected.connect(socket.deleteLater)
            self._read(socket, buffer)

    def _read(self, socket, buffer: bytearray) -> None:
        buffer += bytes(socket.readAll().data())
        if b"\n" not in buffer:
            if len(buffer) > _MAX_MESSAGE:
                socket.abort()
            return
        import json  # here, not at start-up: only a later launch's message needs it

        try:
            links = json.loads(bytes(buffer).split(b"\n", 1)[0]).get("links", [])
            links = [str(link) for link in links] if isinstance(links, list) else []
        except (ValueError, AttributeError):
            socket.abort()
            return
        buffer.clear()
        socket.write(b'{"ok": true}\n')
        socket.flush()
        socket.disconnectFromServer()
        self.activation_requested.emit()
        if links:
            self.links_received.emit(links)


def _is_ok(answer: bytes) -> bool:
    import json

    try:
        return json.loads(answer.split(b"\n", 1)[0]).get("ok") is True
    except (ValueError, AttributeError):
        return False
