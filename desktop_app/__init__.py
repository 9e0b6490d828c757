"""Cutout: remove image backgrounds with the HitPaw Image Segmentation API."""

APP_NAME = "Cutout"
APP_ID = "io.github.cutout.Cutout"


def __getattr__(name: str) -> str:
    # ``__version__`` is read from the installed metadata on first use only: importing
    # importlib.metadata and scanning the installed packages costs about 50 ms, which the
    # window's start-up should not pay (see benchmarks/bench_startup.py).
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("cutout-desktop")
    except metadata.PackageNotFoundError:  # running from a source tree or a frozen build
        version = "0.1.0"
    globals()["__version__"] = version
    return version
