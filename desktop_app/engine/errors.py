"""The engine's two failures and the token that asks a running cut-out to stop.

Kept free of numpy, Pillow and onnxruntime so that importing ``desktop_app.engine`` costs
nothing before the window's first paint.
"""

from __future__ import annotations

import threading
from typing import Any


class EngineError(Exception):
    """A cut-out on this computer failed; ``str()`` is one sentence a designer understands."""


class Cancelled(Exception):
    """The cut-out was stopped through its ``Cancel`` token before it finished."""


class Cancel:
    """A thread-safe stop button for one cut-out (or several).

    ``cancel()`` may be called from any thread: it aborts an inference that is running right
    now (onnxruntime's ``RunOptions.terminate``) and makes every later step raise
    ``Cancelled``. It cannot be undone; a new job gets a new token.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._running: list[Any] = []  # RunOptions of inferences in flight

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            for options in self._running:
                options.terminate = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def check(self) -> None:
        """Raise ``Cancelled`` if ``cancel()`` was called: the engine calls it between steps."""
        if self._cancelled:
            raise Cancelled()

    def attach(self, options: Any) -> None:
        """Register a run's ``RunOptions`` so ``cancel()`` can stop it (terminating at once if
        the token was already cancelled)."""
        with self._lock:
            if self._cancelled:
                options.terminate = True
            self._running.append(options)

    def detach(self, options: Any) -> None:
        with self._lock:
            if options in self._running:
                self._running.remove(options)
