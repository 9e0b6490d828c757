"""The Qt layer: main window, panes, dialogs and the worker threads behind them."""
