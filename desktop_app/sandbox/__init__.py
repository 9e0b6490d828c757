"""A local server that speaks the whole HitPaw Image Segmentation contract.

Used by the integration tests, by the app's "Try it with the built-in sandbox" and by the
benchmarks: real HTTP on 127.0.0.1, real cut-outs by the app's own engine, and scriptable faults.
Standard library, Pillow and the engine (numpy, onnxruntime) only; no Qt.
"""

from desktop_app.sandbox.faults import ERROR_TABLE, Fault
from desktop_app.sandbox.server import DEFAULT_API_KEY, SandboxServer
from desktop_app.sandbox.state import SandboxStats

__all__ = ["DEFAULT_API_KEY", "ERROR_TABLE", "Fault", "SandboxServer", "SandboxStats"]
