"""Shared test setup: Qt renders offscreen; nothing here fakes a real part."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
