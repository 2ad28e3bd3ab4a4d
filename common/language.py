"""The languages a booth speaks to its participants."""
from __future__ import annotations

import enum


class Language(str, enum.Enum):
    """A participant's language (ISO 639-1 code). Bahasa Indonesia is every booth's default."""

    ID = "id"
    EN = "en"


DEFAULT_LANGUAGE = Language.ID
