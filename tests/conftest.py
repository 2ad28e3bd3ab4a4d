"""Shared test setup: Qt renders offscreen; nothing here fakes a real part."""
import os

from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# On CI, Hypothesis replays the same examples on every run (a red build must be reproducible);
# on a developer's machine it keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
