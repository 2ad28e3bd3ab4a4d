"""The console's look: one dark stylesheet (video reads best on dark), type sizes meant for a 24"
monitor at arm's length, and one colour per tile state, the same everywhere it appears."""
from __future__ import annotations

from cso_console.desk import DocStatus, LinkQuality, TileState

BASE_PX = 16
"""Body text, in pixels (a 24" 1920x1080 monitor has about 92 px per inch)."""

BG = "#15181d"
PANEL = "#1f242b"
PANEL_2 = "#272d36"
TEXT = "#eef1f5"
MUTED = "#a9b3bf"
ACCENT = "#4da3ff"  # the focused booth
ALARM = "#ff4d4d"

STATE_COLOUR: dict[TileState, tuple[str, str]] = {
    # state: (background, text)
    TileState.RECONNECTING: ("#e67e22", "#111111"),
    TileState.DEVICE_FAULT: ("#e74c3c", "#ffffff"),
    TileState.HAND_RAISED: ("#f1c40f", "#111111"),
    TileState.STILL_ARRIVING: ("#3498db", "#ffffff"),
    TileState.DOCUMENT_REQUESTED: ("#16a085", "#ffffff"),
    TileState.TALKING: ("#27ae60", "#ffffff"),
    TileState.WAITING_FOR_YOU: ("#f39c12", "#111111"),
    TileState.ON_HOLD: ("#5d6d7e", "#ffffff"),
}

QUALITY_COLOUR: dict[LinkQuality, str] = {
    LinkQuality.UNKNOWN: "#7f8c8d",
    LinkQuality.GOOD: "#2ecc71",
    LinkQuality.FAIR: "#f1c40f",
    LinkQuality.BAD: "#ff4d4d",
}

DOC_COLOUR: dict[DocStatus, str] = {
    DocStatus.NEEDED: "#a9b3bf",
    DocStatus.REQUESTED: "#1abc9c",
    DocStatus.ARRIVING: "#3498db",
    DocStatus.RECEIVED: "#f39c12",
    DocStatus.VERIFIED: "#2ecc71",
    DocStatus.REJECTED: "#ff4d4d",
}

DOC_MARK: dict[DocStatus, str] = {
    DocStatus.NEEDED: "○",
    DocStatus.REQUESTED: "◔",
    DocStatus.ARRIVING: "◑",
    DocStatus.RECEIVED: "●",
    DocStatus.VERIFIED: "✔",
    DocStatus.REJECTED: "✘",
}

SHEET = f"""
QWidget {{ background: {BG}; color: {TEXT}; font-size: {BASE_PX}px; }}
QFrame#panel, QFrame#queue, QFrame#selfview, QFrame#workspace, QFrame#topbar {{ background: {PANEL}; border-radius: 6px; }}
QLabel {{ background: transparent; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="title"] {{ font-size: 22px; font-weight: 600; }}
QLabel[role="section"] {{ font-size: 14px; font-weight: 600; color: {MUTED}; letter-spacing: 1px; }}
QLabel[role="big"] {{ font-size: 26px; font-weight: 700; }}
QPushButton {{ background: {PANEL_2}; border: 1px solid #3a424d; border-radius: 5px; padding: 7px 12px;
              color: {TEXT}; }}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:pressed {{ background: #313946; }}
QPushButton:disabled {{ color: #66707c; border-color: #2c333c; }}
QPushButton:checked {{ background: #24415f; border-color: {ACCENT}; }}
QPushButton[role="primary"] {{ background: #1f5fa8; border-color: #2f77c8; font-weight: 600; }}
QPushButton[role="good"] {{ background: #1e7a45; border-color: #27ae60; font-weight: 600; }}
QPushButton[role="bad"] {{ background: #8e2b24; border-color: #c0392b; font-weight: 600; }}
QPushButton[role="danger"] {{ background: #3a2222; border-color: #8e2b24; }}
QCheckBox {{ spacing: 8px; }}
QProgressBar {{ background: {PANEL_2}; border: 1px solid #3a424d; border-radius: 4px; text-align: center;
               height: 22px; color: {TEXT}; }}
QProgressBar::chunk {{ background: #3498db; border-radius: 3px; }}
QListWidget, QComboBox, QLineEdit, QPlainTextEdit {{ background: {PANEL_2}; border: 1px solid #3a424d;
               border-radius: 4px; padding: 4px; }}
QListWidget::item {{ padding: 6px 4px; }}
QListWidget::item:selected {{ background: #24415f; }}
QRadioButton {{ spacing: 10px; padding: 5px 8px; border-radius: 4px; }}
QRadioButton:checked {{ background: #24415f; font-weight: 700; }}
QRadioButton:disabled {{ color: #66707c; }}
QToolTip {{ background: {PANEL_2}; color: {TEXT}; border: 1px solid #3a424d; }}
QDialog {{ background: {PANEL}; border: 2px solid #4a5563; }}
QScrollArea {{ border: none; }}
"""


def pill(state: TileState) -> str:
    """A tile state's label style."""
    bg, fg = STATE_COLOUR[state]
    return f"background: {bg}; color: {fg}; border-radius: 4px; padding: 2px 8px; font-weight: 700;"
