"""Translations with Qt's own tools: strings in the code in English (``self.tr(...)``,
``QCoreApplication.translate(...)``), ``pyside6-lupdate`` collects them into ``<domain>_<lang>.ts``,
``pyside6-lrelease`` builds the ``.qm`` files the apps load (``./dev`` builds them, and an app
builds a missing or stale one at start).

:func:`problems` reads a ``.ts`` file and lists every unfinished or missing translation; the
tests fail on any.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

logger = logging.getLogger(__name__)


def _tool(name: str) -> str:
    """The path of a PySide6 tool (next to the interpreter in a virtualenv)."""
    here = Path(sys.executable).with_name(name)
    return str(here) if here.exists() else (shutil.which(name) or name)


def build(ts: Path) -> Path:
    """Build ``ts``'s ``.qm`` next to it if it is missing or older; returns the ``.qm``.

    Raises:
        RuntimeError: ``pyside6-lrelease`` failed (its output is in the message).
    """
    qm = ts.with_suffix(".qm")
    if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
        return qm
    r = subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], capture_output=True, text=True)
    if r.returncode != 0 or not qm.exists():
        raise RuntimeError(f"pyside6-lrelease {ts} failed: {r.stdout}{r.stderr}")
    return qm


def update(sources: list[Path], ts: Path) -> None:
    """Collect the strings of ``sources`` into ``ts`` (``pyside6-lupdate``; keeps translations).

    Raises:
        RuntimeError: ``pyside6-lupdate`` failed.
    """
    r = subprocess.run([_tool("pyside6-lupdate"), *map(str, sources), "-ts", str(ts), "-no-obsolete"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"pyside6-lupdate failed: {r.stdout}{r.stderr}")


def problems(ts: Path) -> list[str]:
    """Every message of a ``.ts`` file whose translation is missing or unfinished."""
    out = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            source = message.findtext("source", "")
            tr = message.find("translation")
            kind = tr.get("type", "") if tr is not None else "missing"
            if tr is None or kind in ("unfinished", "missing") or not (tr.text or "").strip():
                if kind == "vanished" or kind == "obsolete":
                    continue
                out.append(f"{ts.name}: {name}: {source!r} is {kind or 'empty'}")
    return out


class Translations:
    """Switches an application's language at run time (widgets retranslate on LanguageChange).

    Args:
        folder: where ``<domain>_<lang>.ts`` (and the built ``.qm``) live.
        domain: the file name's prefix, e.g. "kiosk".
        source_language: the language the code's strings are written in (no file needed).
    """

    def __init__(self, folder: Path, domain: str, source_language: str = "en") -> None:
        self.folder = Path(folder)
        self.domain = domain
        self.source_language = source_language
        self.language = source_language
        self._translator: QTranslator | None = None

    def use(self, language: str) -> None:
        """Make ``language`` the application's language.

        Raises:
            FileNotFoundError: no ``.ts`` file for it.
        """
        if language == self.language:
            return
        app = QCoreApplication.instance()
        if self._translator is not None:
            app.removeTranslator(self._translator)
            self._translator = None
        if language != self.source_language:
            ts = self.folder / f"{self.domain}_{language}.ts"
            if not ts.exists():
                raise FileNotFoundError(f"no translation {ts} for language {language!r}")
            translator = QTranslator(app)
            if not translator.load(str(build(ts))):
                raise RuntimeError(f"Qt could not load {ts.with_suffix('.qm')}")
            app.installTranslator(translator)
            self._translator = translator
        self.language = language
        os.environ.setdefault("LANGUAGE", language)
