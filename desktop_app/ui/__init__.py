"""The Qt layer: main window, panes, dialogs and the worker threads behind them."""

import sys as _sys

if "shiboken6" in _sys.modules:   # PySide6 is loaded: take its hook out before ours load
    from desktop_app.ui.interpreter import skip_pyside_feature_hook as _skip

    _skip()   # see ui.interpreter (``__main__`` calls it itself: it loads this package first)
