"""Reading and validating TOML config files with pydantic; every problem names file and key.

Each package owns its config models (the server's in :mod:`signaling.config`, ICE in
:mod:`media.config`, the booth's in :mod:`kiosk.config`, the console's in
:mod:`cso_console.config`); they are built from :class:`Section` and read with :func:`load`.
A problem is reported once, as a :class:`ConfigError` naming the file, the key and what was
expected; the CLI prints it and exits 2 without starting anything.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.errors import LapakError

DeviceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
"""A device's id: letters, digits, '.', '_' and '-'."""
Token = Annotated[str, Field(min_length=8, max_length=256)]
"""A device's secret token."""


class ConfigError(LapakError):
    """A configuration file is missing or wrong.

    Args:
        path: the file.
        problems: one line per problem, each naming the key and what was expected.
    """

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        if len(problems) == 1:
            text = f"{self.path}: {problems[0]}"
        else:
            text = f"{self.path}:\n  " + "\n  ".join(problems)
        super().__init__(text)


class Section(BaseModel):
    """Base of every config table: unknown keys are refused (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid")

    def resolve_paths(self, base: Path) -> None:
        """Make paths relative to the config file absolute (override where a section has paths).

        Args:
            base: the folder of the config file.
        """


M = TypeVar("M", bound=BaseModel)


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed in the table that holds ``loc`` (walking nested models and lists)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        nested = [a for a in (get_args(field.annotation) or (field.annotation,))
                  for a in (get_args(a) or (a,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            return []
        current = nested[0]
    return sorted(getattr(current, "model_fields", {}))


def _expected(model: type[BaseModel], err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        known = _known_keys(model, tuple(err["loc"]))
        return "is not a known key" + (f"; expected one of: {', '.join(known)}" if known else "")
    got = err.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    return f"{err['msg'].lower()} (got {shown})"


def parse(model: type[M], data: dict[str, Any], path: Path | str = "<config>") -> M:
    """Validate already-read TOML data.

    Args:
        model: the config model (``ServerConfig``, ``BoothConfig``, ``ConsoleConfig`` ...).
        data: the parsed TOML.
        path: the file it came from, for messages.

    Raises:
        ConfigError: naming each wrong key and what was expected.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(x) for x in err["loc"]) or "(top level)"
            problems.append(f"key '{key}' {_expected(model, err)}")
        raise ConfigError(path, problems) from None


def load(model: type[M], path: Path | str) -> M:
    """Read and validate one TOML config file; relative paths in it are made absolute.

    Args:
        model: the config model.
        path: the TOML file.

    Raises:
        ConfigError: the file is missing, unreadable, not TOML, or has wrong keys or types.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"cannot read config file: {exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    cfg = parse(model, data, path)
    if isinstance(cfg, Section):
        cfg.resolve_paths(path.parent)
    return cfg
