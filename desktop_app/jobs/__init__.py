"""Qt-free job model, pipeline and history, shared by the GUI and the CLI.

Import from the modules themselves (``model``, ``links``, ``control``, ``pipeline``, ``store``,
``previews``): this package file stays empty so that the window can show its history before
the HTTP stack (``pipeline`` pulls in requests and Pillow) is loaded.
"""
