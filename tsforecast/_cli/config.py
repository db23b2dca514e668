"""``tsforecast fit --config FILE`` and ``--print-config``: a run written down, and repeated.

`--print-config` prints the fit's settings (every flag's value, after the defaults) as JSON
and stops before reading any data; saved to a file, ``--config FILE`` reads them back as the
defaults of the flags, which the command line still overrides. TOML files are read too
(Python 3.11+).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["NOT_SETTINGS", "config_path", "printable", "read_config"]

# Namespace entries that are not settings of a run (the data file is given each time).
NOT_SETTINGS = ("run", "command", "config", "print_config", "data")


def config_path(argv: list[str]) -> str | None:
    """Return the value of ``--config`` in a ``fit`` command line, or None."""
    if not argv or argv[0] != "fit":
        return None
    for i, part in enumerate(argv):
        if part == "--config" and i + 1 < len(argv):
            return argv[i + 1]
        if part.startswith("--config="):
            return part.split("=", 1)[1]
    return None


# Flags whose values are tuples (levels, LOW,HIGH), which JSON writes as lists.
TUPLE_FLAGS = ("quantiles", "bounds")


def read_config(path: str, known: dict[str, argparse.Action]) -> dict[str, Any]:
    """Read a JSON or TOML file of settings into flag defaults (dashes or underscores).

    ``known``: the command's flags by destination. A text value is read as the flag reads
    its text; an on/off flag takes true or false, a flag of a few choices one of them.

    Raises
    ------
    ValueError
        If the file cannot be read, or names a setting ``fit`` has no flag for.
    """
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as error:
        reason = error.strerror or error
        raise ValueError(f"--config '{path}': cannot read it ({reason}).") from None
    try:
        if file.suffix.lower() == ".toml":
            try:
                import tomllib
            except ImportError:  # Python 3.10
                raise ValueError(
                    f"--config '{path}': TOML needs Python 3.11 or later; write the settings "
                    "as JSON (tsforecast fit ... --print-config > run.json)."
                ) from None
            settings = tomllib.loads(text)
        else:
            settings = json.loads(text)
    except (json.JSONDecodeError, ValueError) as error:
        if "--config" in str(error):
            raise
        raise ValueError(f"--config '{path}': not valid JSON or TOML ({error}).") from None
    if not isinstance(settings, dict):
        raise ValueError(f"--config '{path}': expected a table of settings, got {type(settings)}.")
    found = {str(key).replace("-", "_"): value for key, value in settings.items()}
    unknown = sorted(set(found) - set(known))
    if unknown:
        raise ValueError(
            f"--config '{path}': {unknown} are not settings of tsforecast fit; its settings "
            f"are the flags of tsforecast fit --help (e.g. {sorted(known)[:6]})."
        )
    return {name: _as_flag_reads(known[name], value, path) for name, value in found.items()}


def _as_flag_reads(action: argparse.Action, value: Any, path: str) -> Any:
    """Return a setting's value as its flag would give it, or refuse it with the fix."""
    flag = action.option_strings[0] if action.option_strings else action.dest
    if value is None and action.default is None:  # printed as null: the flag not given
        return None
    if action.nargs == 0:  # an on/off flag (--overwrite, --quiet)
        if not isinstance(value, bool):
            raise ValueError(f"--config '{path}': {flag} takes true or false; got {value!r}.")
        return value
    if isinstance(value, list) and action.dest in TUPLE_FLAGS:
        value = tuple(value)  # as the flag gives them (JSON has no tuples); fit checks them
    if isinstance(value, str) and action.type is not None:
        try:
            value = action.type(value)
        except (argparse.ArgumentTypeError, ValueError) as error:
            raise ValueError(f"--config '{path}': {flag}: {error}") from None
    if action.choices is not None and value not in action.choices:
        raise ValueError(
            f"--config '{path}': {flag} must be one of {list(action.choices)}; got {value!r}."
        )
    return value


def printable(args: argparse.Namespace) -> str:
    """Return the settings of a parsed ``fit`` command line as JSON."""
    settings = {k: v for k, v in vars(args).items() if k not in NOT_SETTINGS}
    return json.dumps(settings, indent=2, default=list)
