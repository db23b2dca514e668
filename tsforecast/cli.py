"""The ``tsforecast`` command line (also ``python -m tsforecast``).

- ``tsforecast demo [--data weather|speech|ehr]``: fit on embedded real data, compare with
  naive forecasts on held-out data, write plots.
- ``tsforecast fit DATA.csv --kind weather|audio|ehr|table ... --out MODEL_DIR [--overwrite]``
- ``tsforecast predict MODEL_DIR DATA.csv --steps N --out FORECAST.csv``
- ``tsforecast backtest DATA --steps N [--kind ...] [--model MODEL_DIR]``: forecasts from
  many origins of the last part of each series, scored per step beside persistence and
  seasonal naive (DATA: a table, or a shipped dataset's name such as ``weather``).

Every failure ends the command with exit status 2 and one line on stderr, no traceback
(``TSFORECAST_TRACEBACK=1`` shows it); output paths are checked before any training.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from tsforecast import _warnings
from tsforecast._cli.backtest import SHIPPED, run_backtest, season_flag
from tsforecast._cli.config import NOT_SETTINGS, config_path, printable, read_config
from tsforecast._cli.demo import run_demo
from tsforecast._cli.fit_predict import run_fit, run_predict
from tsforecast._cli.inputs import KINDS
from tsforecast._cli.model_options import add_model_options, int_or_auto
from tsforecast.adapters._tables import THOUSANDS_MARKS

__all__ = ["main"]


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every other failure of the command.

    argparse prints its whole usage block before the message; this prints the message and
    where the help is (the subcommands' parsers are of this class too: `add_subparsers`
    makes them so).
    """

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _glued(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Return ``argv`` with a value starting with "-" glued to its flag: ``--flag=VALUE``.

    argparse reads a token starting with "-" as a flag (``--bounds -5,5``, ``--na-values
    -,n/a``) unless it looks like a negative number, and says the flag "expected one
    argument"; a token after a flag that takes a value and that is no flag of the command
    is that value.
    """
    takes_value, flags = set(), set()
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            flags.update(action.option_strings)
            if action.option_strings and action.nargs is None and action.const is None:
                takes_value.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
    out: list[str] = []
    for token in argv:
        if out and out[-1] in takes_value and token.startswith("-") and token not in flags:
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def _build_parser(
    fit_defaults: dict[str, Any] | None = None, printing: bool = False
) -> argparse.ArgumentParser:
    from tsforecast import LSTMForecaster

    defaults = LSTMForecaster().get_params()
    parser = _OneLineParser(
        prog="tsforecast",
        description="Time-series forecasting with recurrent networks as scikit-learn estimators.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="forecast embedded real data and compare with naive forecasts",
        description=run_demo.__doc__,
    )  # fmt: skip
    demo.add_argument("--data", choices=["weather", "speech", "ehr"], default="weather",
                      help="which embedded dataset (default: weather)")  # fmt: skip
    demo.add_argument("--budget", type=float, default=60.0,
                      help="training time budget in seconds (default: 60)")  # fmt: skip
    demo.add_argument("--context-length", type=int_or_auto, default=64,
                      help="longest history the model reads (default: 64)")  # fmt: skip
    demo.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    demo.add_argument("--out", default=".", help="folder for the plots (default: here)")
    demo.add_argument("--no-plot", action="store_true", help="write no plot")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=run_demo)

    fit = commands.add_parser("fit", help="fit a model on a CSV table", description=run_fit.__doc__)
    fit.add_argument("data", nargs="?",
                     help="CSV file (--kind audio: also a WAV, FLAC or OGG file)")  # fmt: skip
    # a --config may give them (a printed run's "out": null gives none)
    given = {name for name, value in (fit_defaults or {}).items() if value is not None}
    fit.add_argument("--kind", choices=KINDS, required="kind" not in given,
                     help="which adapter reads the table (table: a plain CSV of periods, "
                     "a panel with --id-col)")  # fmt: skip
    fit.add_argument("--out", required="out" not in given and not printing,
                     help="model directory to write")  # fmt: skip
    fit.add_argument("--overwrite", action="store_true",
                     help="replace a model already saved in --out")  # fmt: skip
    table = fit.add_argument_group("reading the table (saved with the model)")
    table.add_argument("--time-col", help="time column (found by name if omitted; ehr and "
                       "table: needed)")  # fmt: skip
    table.add_argument("--columns", help="comma-separated feature columns (ehr: measurements)")
    table.add_argument("--freq", help="weather: grid step such as 1h or MS (inferred if omitted)")
    table.add_argument("--max-gap", type=int,
                       help="weather: longest run of missing steps filled (default 3)")  # fmt: skip
    table.add_argument("--long-gaps", choices=["error", "warn"],
                       help="weather: longer gaps stop the read (default), or are interpolated "
                       "with a warning (missing to the model either way)")  # fmt: skip
    table.add_argument("--decimal", choices=[".", ","], default=".",
                       help="decimal mark of the numbers (default: .)")  # fmt: skip
    table.add_argument(
        "--thousands",
        choices=list(THOUSANDS_MARKS),
        help="thousands mark of the numbers, as in 1,234.5 (default: none)",
    )
    table.add_argument("--na-values", help="comma-separated extra markers of missing values")
    table.add_argument("--dayfirst", action=argparse.BooleanOptionalAction, default=None,
                       help="table: dates such as 06/01/2020 are 6 January (--no-dayfirst: "
                       "1 June); needed only where the dates read both ways")  # fmt: skip
    table.add_argument("--id-col", help="ehr: patient id column; table: series id column")
    table.add_argument("--static-cols", help="ehr: comma-separated per-patient columns")
    table.add_argument("--variable-col", help="ehr long tables: column naming the measurement")
    table.add_argument("--value-col", help="ehr long tables: column holding the value")
    table.add_argument("--event-cols", help="ehr: comma-separated columns of events (doses): "
                       "0 where not recorded, never carried forward")  # fmt: skip
    model = fit.add_argument_group("the model (LSTMForecaster's parameters, same names)")
    add_model_options(model, defaults)
    model.add_argument("--quiet", action="store_true", help="no progress bar")
    runs = fit.add_argument_group("repeating a run")
    runs.add_argument("--config", help="JSON (or TOML) file of settings, as --print-config "
                      "writes them: the defaults of these flags")  # fmt: skip
    runs.add_argument(
        "--print-config",
        action="store_true",
        help="print the settings as JSON and stop (nothing is read or fitted)",
    )
    fit.set_defaults(run=run_fit, **(fit_defaults or {}))

    predict = commands.add_parser(
        "predict", help="forecast after the end of a table with a saved model",
        description=run_predict.__doc__,
    )  # fmt: skip
    predict.add_argument("model", help="model directory written by tsforecast fit")
    predict.add_argument("data", help="CSV file, read as at fit time")
    predict.add_argument("--steps", type=int, required=True, help="how many steps ahead")
    predict.add_argument("--out", required=True, help="CSV file to write ('-': print it)")
    predict.add_argument("--quantiles", action="store_true",
                         help="write the quantile columns (NAME_q0.1 ...) of a model that "
                         "has them, not the medians alone")  # fmt: skip
    predict.set_defaults(run=run_predict)
    bt = commands.add_parser(
        "backtest", help="score forecasts from many origins beside naive forecasts",
        description=run_backtest.__doc__,
    )  # fmt: skip
    bt.add_argument("data", help=f"CSV file, or a shipped dataset: {', '.join(SHIPPED)}")
    bt.add_argument("--kind", choices=KINDS,
                    help="which adapter reads a CSV file")  # fmt: skip
    bt.add_argument("--steps", type=int, default=1, help="steps forecast per origin (default 1)")
    bt.add_argument("--start", default="0.8",
                    help="first origin of each series: a row (negative: from the end), a "
                    "fraction, or a time stamp such as 2001-11-01 (default: 0.8)")  # fmt: skip
    bt.add_argument("--stride", type=int, default=None,
                    help="rows between origins (default: --steps)")  # fmt: skip
    bt.add_argument("--model", help="a model directory written by tsforecast fit (else one "
                    "is fitted on the rows before each series' first origin)")  # fmt: skip
    bt.add_argument("--refit", type=int, default=0,
                    help="refit every N origins (default: never)")  # fmt: skip
    bt.add_argument(
        "--season",
        type=season_flag,
        default=None,
        help="season of the seasonal naive forecast and of MASE's scale (default: the "
        "model's, else from the stamps; none: persistence)",
    )
    bt.add_argument("--out", help="write the backtest frame to this file (.csv or .parquet)")
    fitted = bt.add_argument_group("the model fitted when --model is not given "
                                   "(LSTMForecaster's parameters, same names)")  # fmt: skip
    add_model_options(fitted, defaults)
    fitted.add_argument("--quiet", action="store_true",
                        help="no progress bar (nor validation table) while fitting")  # fmt: skip
    for flag in ("--time-col", "--columns", "--freq", "--na-values", "--id-col",
                 "--static-cols", "--variable-col", "--value-col", "--event-cols"):  # fmt: skip
        bt.add_argument(flag, help="as for tsforecast fit")
    bt.add_argument("--decimal", choices=[".", ","], default=".", help="as for tsforecast fit")
    bt.add_argument("--thousands", choices=list(THOUSANDS_MARKS), help="as for tsforecast fit")
    bt.add_argument("--max-gap", type=int, help="as for tsforecast fit")
    bt.add_argument("--long-gaps", choices=["error", "warn"], help="as for tsforecast fit")
    bt.add_argument("--dayfirst", action=argparse.BooleanOptionalAction, default=None,
                    help="as for tsforecast fit")  # fmt: skip
    bt.set_defaults(run=run_backtest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        fit_defaults = _config_defaults(argv)
    except ValueError as error:
        print(f"tsforecast fit: error: {error}", file=sys.stderr)
        return 2
    # --print-config writes nothing: a run printed before it is decided where it saves to.
    parser = _build_parser(fit_defaults, printing="--print-config" in argv)
    args = parser.parse_args(_glued(argv, parser))
    if getattr(args, "print_config", False):
        print(printable(args))
        return 0

    def one_line(message: Any, category: Any, *rest: Any, **options: Any) -> None:
        text = in_flags(" ".join(str(message).split()))
        print(f"tsforecast {args.command}: warning: {text}", file=sys.stderr)

    try:
        with _warnings.LOCK, warnings.catch_warnings():  # see tsforecast._warnings
            warnings.showwarning = one_line  # warnings too: one line, not a source listing
            args.run(args)
    except KeyboardInterrupt:
        print(f"tsforecast {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped early (| head): as other command-line tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:  # Python's own flush of stdout at exit would fail again, with a message
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout without a descriptor (a test's capture)
            pass
        os.close(devnull)
        return 141  # 128 + SIGPIPE, as a shell reports a tool the pipe closed on
    except Exception as error:  # every failure is one line; TSFORECAST_TRACEBACK=1 shows more
        if os.environ.get("TSFORECAST_TRACEBACK"):
            raise
        expected = isinstance(error, (ValueError, TypeError, OSError, ImportError))
        message = in_flags(" ".join(str(error).split()) or type(error).__name__)
        if not expected:
            message = (
                f"unexpected {type(error).__name__}: {message} (a bug: please report it, with "
                "the output of the same command run with TSFORECAST_TRACEBACK=1)"
            )
        print(f"tsforecast {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


def _config_defaults(argv: list[str]) -> dict[str, Any] | None:
    """Return the defaults a ``fit --config FILE`` sets (None without one)."""
    path = config_path(argv)
    if path is None:
        return None
    fit = _build_parser()._subparsers._group_actions[0].choices["fit"]
    known = {a.dest: a for a in fit._actions if a.dest not in ("help", *NOT_SETTINGS)}
    return read_config(path, known)


def in_flags(message: str) -> str:
    """Write the Python advice of a message as this command line's flags and files."""
    message = message.replace("decimal=','", "--decimal ,")
    message = re.sub(r"""thousands=(['"])(.)\1""", _thousands_flag, message)
    # na_values=['M'] -> --na-values M (the flag takes the markers comma-separated)
    message = re.sub(r"na_values=\[([^\]]*)\]", _na_values_flag, message)
    message = message.replace("long_gaps='warn'", "--long-gaps warn")
    message = message.replace("a larger max_gap", "a larger --max-gap")
    message = message.replace("max_gap must be", "--max-gap must be")
    message = message.replace("with columns=[...]", "with --columns")
    message = message.replace("Check the path, or pass a DataFrame.", "Check the path.")
    message = message.replace("time_col= (--time-col)", "--time-col")
    # missing periods: rows of NaN are rows with empty cells in a CSV
    message = re.sub(
        r"give them as rows of NaN: X\.(asfreq|reindex)\(.*?\) \(a panel: each series reindexed "
        r"so\)",
        "give them as rows with empty cells in the table, a row per missing period (a panel: "
        "in each series)",
        message,
    )
    message = re.sub(r"refit with horizon=(\d+)", r"refit with --horizon \1", message)
    # steps no validation row reached: the flags that check them, or forecast fewer
    message = message.replace("(validation_fraction)", "(a larger --validation-fraction at fit)")
    message = re.sub(r"or forecast at most (\d+) steps", r"or forecast --steps \1", message)
    return message.replace("Pass time_gaps=True to read", "Pass --time-gaps true to read")


def _thousands_flag(found: re.Match[str]) -> str:
    """Write ``thousands=','`` of a message as the flag, quoted for a shell where needed."""
    mark = found.group(2)
    return "--thousands ," if mark == "," else f'--thousands "{mark}"'


def _na_values_flag(found: re.Match[str]) -> str:
    """Write ``na_values=['M', 'n/a']`` of a message as the flag: ``--na-values M,n/a``.

    The flag splits at commas, so a marker holding one cannot be given there: said so.
    """
    markers = [part.strip().strip("'\"") for part in found.group(1).split("', '")]
    if any("," in marker for marker in markers):
        return f"--na-values (which splits at commas, so not {markers[0]!r})"
    given = ",".join(markers)  # --na-values=- reads as a value in any shell and argparse
    return f"--na-values={given}" if given.startswith("-") else f"--na-values {given}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
