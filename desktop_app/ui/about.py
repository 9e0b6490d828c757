"""The About box's text: the version and the licences Cutout is shipped under.

Kept apart from the window so the packaging tests can check it (the LGPL notice for Qt and
PySide6 must travel with every build) without opening a dialog.
"""

from __future__ import annotations

import desktop_app


def about_text() -> str:
    return (
        f"<h3>{desktop_app.APP_NAME} {desktop_app.__version__}</h3>"
        "<p>Removes image backgrounds with the HitPaw Image Segmentation API.</p>"
        "<p>Licensed under the MIT licence. Built with Qt and PySide6 (LGPL v3), "
        "requests (Apache 2.0), keyring (MIT), Pillow (MIT-CMU) and platformdirs (MIT).</p>")
