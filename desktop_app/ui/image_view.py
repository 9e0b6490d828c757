"""Temporary: ``ui/workers.py`` still imports ``paint_ready`` from here.

Delete this file at merge, once workers.py reads ``from desktop_app.ui.decode import paint_ready``.
"""

from desktop_app.ui.decode import paint_ready

__all__ = ["paint_ready"]
