"""Screenshots of the real app's windows, for docs/screens/ and for looking at them."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget


def grab(widget: QWidget, path: Path) -> Path:
    """Render ``widget`` (its whole window) to a PNG file, after pending paints.

    Args:
        widget: the window.
        path: where to save it (folders are made).
    """
    QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise RuntimeError(f"could not save a screenshot to {path}")
    return path
