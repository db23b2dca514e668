"""Reading a command's data: an adapter's flags, the table or sound file, ``adapter.json``.

``tsforecast fit`` saves the adapter and its options in ``adapter.json`` beside the model, so
that ``tsforecast predict`` reads new data of the same table as the model was fitted on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tsforecast._cli.table_reader import read_table

KINDS = ("weather", "audio", "ehr", "table")
ADAPTER_FILE = "adapter.json"
AUDIO_FILES = (".wav", ".flac", ".ogg", ".aiff", ".aif")


def read_data(kind: str, path: str, options: dict[str, Any]) -> Any:
    """Read a table (``kind`` audio: also a sound file) with the adapter of ``kind``."""
    from tsforecast import audio_features_from_wav, read_audio_features, read_ehr, read_weather

    if kind == "audio" and Path(path).suffix.lower() in AUDIO_FILES:
        if options:
            raise ValueError(
                f"{sorted(options)} are options of feature tables; a sound file is read with "
                "audio_features_from_wav's defaults (13 MFCCs and RMS, 10 ms hop at 16 kHz)."
            )
        return audio_features_from_wav(path)
    if kind == "table":
        return read_table(path, **options)
    readers = {"weather": read_weather, "audio": read_audio_features, "ehr": read_ehr}
    return readers[kind](path, **options)


def adapter_options(args: argparse.Namespace) -> dict[str, Any]:
    """Turn the flags of the table (--time-col, --columns, ...) into the adapter's options."""

    def names(text: str | None) -> list[str] | None:
        return None if text is None else [part.strip() for part in text.split(",") if part.strip()]

    options: dict[str, Any] = {}
    if getattr(args, "dayfirst", None) is not None and args.kind != "table":
        raise ValueError("--dayfirst is for --kind table only.")
    if args.time_col:
        options["time_col"] = args.time_col
    if args.kind == "ehr":
        if not args.id_col or not args.time_col:
            raise ValueError("--kind ehr needs --id-col and --time-col.")
        options["id_col"] = args.id_col
        if args.columns:
            options["value_cols"] = names(args.columns)
        if args.static_cols:
            options["static_cols"] = names(args.static_cols)
        if getattr(args, "event_cols", None):
            options["event_cols"] = names(args.event_cols)
        if args.variable_col or args.value_col:
            options["variable_col"], options["value_col"] = args.variable_col, args.value_col
    else:
        for flag in ("static_cols", "variable_col", "value_col", "event_cols"):
            if getattr(args, flag, None):
                raise ValueError(f"--{flag.replace('_', '-')} is for --kind ehr only.")
        if args.id_col and args.kind != "table":
            raise ValueError("--id-col is for --kind ehr (patients) and table (series) only.")
        if args.kind == "table":
            if not args.time_col:
                raise ValueError("--kind table needs --time-col: the column of periods.")
            if args.id_col:
                options["id_col"] = args.id_col
            if getattr(args, "dayfirst", None) is not None:
                options["dayfirst"] = args.dayfirst
        if args.columns:
            options["columns"] = names(args.columns)
    for flag in ("freq", "max_gap", "long_gaps"):
        if getattr(args, flag, None) is not None:
            if args.kind != "weather":
                raise ValueError(f"--{flag.replace('_', '-')} is for --kind weather only.")
            options[flag] = getattr(args, flag)
    if args.decimal != ".":
        options["decimal"] = args.decimal
    if getattr(args, "thousands", None) is not None:
        options["thousands"] = args.thousands
    if args.na_values:
        options["na_values"] = names(args.na_values)
    return options


def read_adapter(model_dir: Path) -> dict[str, Any]:
    """Read and check the adapter.json that tsforecast fit wrote beside the model."""
    adapter_file = model_dir / ADAPTER_FILE
    if not adapter_file.is_file():
        raise FileNotFoundError(
            f"'{model_dir}' has no {ADAPTER_FILE}; make model directories with tsforecast fit."
        )
    try:
        adapter = json.loads(adapter_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"'{adapter_file}' is damaged ({error}); fit the model again.") from None
    if (
        not isinstance(adapter, dict)
        or adapter.get("kind") not in KINDS
        or not isinstance(adapter.get("options"), dict)
    ):
        raise ValueError(
            f"'{adapter_file}' is damaged (it needs a kind among {', '.join(KINDS)} and a "
            "dictionary of options); fit the model again."
        )
    return adapter
