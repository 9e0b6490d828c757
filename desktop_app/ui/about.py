"""The About box's text: the version and the licences Cutout is shipped under.

Kept apart from the window so the packaging tests can check it (the LGPL notice for Qt and
PySide6, and the Apache notice of the bundled cut-out model, must travel with every build)
without opening a dialog.
"""

from __future__ import annotations

from html import escape

import desktop_app
from desktop_app.engine import MODEL_NOTICE  # a string: no numpy or onnxruntime loaded


def about_text() -> str:
    return (
        f"<h3>{desktop_app.APP_NAME} {desktop_app.__version__}</h3>"
        "<p>Removes image backgrounds with the HitPaw Image Segmentation API, or on this "
        "computer.</p>"
        "<p>Licensed under the MIT licence. Built with Qt and PySide6 (LGPL v3), "
        "requests (Apache 2.0), keyring (MIT), Pillow (MIT-CMU), platformdirs (MIT), "
        "ONNX Runtime (MIT) and NumPy (BSD).</p>"
        f"<p>{escape(MODEL_NOTICE)}</p>")
