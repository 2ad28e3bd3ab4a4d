"""The booth's look: high contrast, large type, large touch targets.

Sizes follow the screen: the body text is at least 24 pt on the smallest booth screen
(1366x768) and grows on a 1920x1080 one; every touch target is at least :data:`MIN_TOUCH`
pixels high and wide. Colours keep black-on-white text at a contrast ratio above 7:1 (WCAG AAA)
and white-on-colour buttons above 4.5:1.
"""
from __future__ import annotations

from dataclasses import dataclass

MIN_TOUCH = 64
"""The smallest touch target, in pixels."""

MIN_BODY_PT = 24
"""The smallest body text, in points."""

INK = "#111418"          # text
PAPER = "#F6F5F0"        # background
CARD = "#FFFFFF"         # panels
LINE = "#5A6270"         # borders
MUTED = "#3B4350"        # secondary text (still 9:1 on PAPER)
PRIMARY = "#0B4A94"      # main action (white text: 9.0:1)
PRIMARY_DOWN = "#07326A"
GOOD = "#14672F"         # accepted, "the officer hears you" (white text: 6.9:1)
WARN_BG = "#FFE08A"      # notices (INK text: 14:1)
BAD = "#A4161A"          # problems (white text: 7.4:1)
DARK = "#14161A"         # video backgrounds


@dataclass(frozen=True)
class Sizes:
    """Point sizes and pixel sizes for one screen size.

    Args:
        body: body text, points.
        large: prominent text (a hint, a prompt), points.
        title: screen titles, points.
        huge: the queue number, points.
        button: button text, points.
        touch: button height, pixels.
        margin: outer margin, pixels.
        gap: spacing between blocks, pixels.
    """

    body: int
    large: int
    title: int
    huge: int
    button: int
    touch: int
    margin: int
    gap: int


def sizes_for(width: int, height: int) -> Sizes:
    """The sizes for a window of ``width`` x ``height`` pixels (booth screens are 16:9)."""
    k = max(0.0, min(1.0, (min(height, width * 9 / 16) - 768) / (1080 - 768)))  # 0 at 768 lines, 1 at 1080

    def lerp(a: float, b: float) -> int:
        return int(round(a + (b - a) * k))

    return Sizes(body=lerp(MIN_BODY_PT, 28), large=lerp(28, 36), title=lerp(32, 44), huge=lerp(88, 132),
                 button=lerp(MIN_BODY_PT, 28), touch=lerp(80, 100), margin=lerp(24, 40), gap=lerp(14, 24))


def stylesheet(s: Sizes) -> str:
    """The application's style sheet for sizes ``s``."""
    return f"""
    QWidget {{ color: {INK}; font-family: "DejaVu Sans"; font-size: {s.body}pt; }}
    #KioskWindow, QStackedWidget > QWidget {{ background: {PAPER}; }}
    QLabel {{ background: transparent; }}
    QLabel[role="title"] {{ font-size: {s.title}pt; font-weight: bold; }}
    QLabel[role="large"] {{ font-size: {s.large}pt; font-weight: bold; }}
    QLabel[role="muted"] {{ color: {MUTED}; }}
    QLabel[role="huge"] {{ font-size: {s.huge}pt; font-weight: bold; font-family: "DejaVu Sans Mono"; }}
    QLabel[role="code"] {{ font-size: {s.large}pt; font-weight: bold; font-family: "DejaVu Sans Mono";
        background: {CARD}; border: 3px solid {LINE}; border-radius: 12px; padding: 6px 16px; }}
    QLabel[role="prompt"] {{ font-size: {s.large}pt; font-weight: bold; background: {CARD};
        border-left: 10px solid {PRIMARY}; border-radius: 8px; padding: 14px 20px; }}
    QLabel[role="good"] {{ color: white; background: {GOOD}; border-radius: 12px; padding: 10px 20px;
        font-weight: bold; }}
    QLabel[role="bad"] {{ color: white; background: {BAD}; border-radius: 12px; padding: 10px 20px;
        font-weight: bold; }}
    QLabel[role="notice"] {{ background: {WARN_BG}; border: 3px solid {INK}; border-radius: 12px;
        padding: 12px 24px; font-size: {s.large}pt; font-weight: bold; }}
    QLabel[role="status"] {{ color: white; background: {DARK}; border-radius: 10px; padding: 8px 18px;
        font-weight: bold; }}
    QFrame[role="card"] {{ background: {CARD}; border: 2px solid #C9CCD2; border-radius: 16px; }}
    QFrame[role="bar"] {{ background: {CARD}; border-bottom: 2px solid #C9CCD2; }}
    QFrame[role="veil"] {{ background: rgba(10, 12, 16, 170); }}
    QFrame[role="dialog"] {{ background: {CARD}; border: 4px solid {INK}; border-radius: 20px; }}
    QFrame[role="banner"] {{ background: {WARN_BG}; border: 3px solid {INK}; border-radius: 14px; }}
    QFrame[role="fault"] {{ background: #FFF1F0; border: 3px solid {BAD}; border-radius: 12px; }}
    QPushButton {{ min-height: {s.touch}px; min-width: {max(MIN_TOUCH, s.touch)}px; padding: 4px 28px;
        font-size: {s.button}pt; font-weight: bold; border-radius: 14px;
        color: {INK}; background: {CARD}; border: 3px solid {INK}; }}
    QPushButton:pressed {{ background: #D9DDE4; }}
    QPushButton:disabled {{ color: #8A9099; border-color: #A9AEB6; }}
    QPushButton[role="primary"] {{ color: white; background: {PRIMARY}; border: 3px solid {PRIMARY_DOWN}; }}
    QPushButton[role="primary"]:pressed {{ background: {PRIMARY_DOWN}; }}
    QPushButton[role="choice"] {{ text-align: left; padding: 16px 28px; background: {CARD};
        border: 3px solid {PRIMARY}; color: {INK}; }}
    QPushButton[role="key"] {{ padding: 0; font-family: "DejaVu Sans Mono"; font-size: {s.large}pt;
        min-width: {MIN_TOUCH}px; min-height: {MIN_TOUCH}px; border-width: 2px; border-radius: 10px; }}
    QPushButton[role="tool"] {{ min-height: {MIN_TOUCH}px; padding: 0 12px; font-size: 15pt; border-width: 2px; }}
    QPushButton[role="lang"] {{ min-height: {MIN_TOUCH}px; padding: 0 22px; border-width: 2px; }}
    QPushButton[role="lang"][current="true"] {{ color: white; background: {INK}; }}
    QProgressBar {{ min-height: 40px; border: 3px solid {INK}; border-radius: 10px; background: {CARD};
        text-align: center; font-weight: bold; }}
    QProgressBar::chunk {{ background: {PRIMARY}; border-radius: 6px; }}
    QPlainTextEdit {{ font-family: "DejaVu Sans Mono"; font-size: 12pt; background: {CARD};
        border: 2px solid {LINE}; }}
    """
