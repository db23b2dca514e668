"""Short classic series: the defaults against seasonal naive and statistical models.

The development set of ``shared/data/classic`` (ten short series and a 20-region quarterly
panel), scored with its README's protocol: each model is fitted once on the rows before the
first of three forecast origins (``n - h - 2s``, ``n - h - s``, ``n - h`` with ``s = h // 2``)
and forecasts ``h`` steps from each origin with the true history up to it (no refit). The
score is MASE: the MAE of the ``h`` steps over the in-sample MAE of seasonal naive (period
``m``) on the training rows, averaged over the origins; for the panel, averaged over the
regions too. tsforecast is run as a user would: ``LSTMForecaster(random_state=seed)`` on a
DataFrame indexed by the periods' time stamps (the panel by (region, time)), forecasting
through `tsforecast.backtest`. Seasonal naive and, when statsforecast is installed (the
``bench`` extra), ``AutoETS``, ``AutoTheta`` and ``AutoARIMA`` are scored in the same run
(fitted once, run ``forward`` from each origin), with their 80% intervals' coverage beside
tsforecast's (`reference_coverage`). With the whole set, its five monthly
series of different lengths and dates are also fitted as one ``(series, time)`` panel
(`UNLIKE_PANEL`), each series scored as alone, and reported apart, and shorter cuts of the
monthly and quarterly series (halves, monthly series summed by quarter; `_classic_cuts`) are
scored as series of the set.

Run: ``python benchmarks/bench_classic.py`` (seeds 0-2, about ten minutes on 2 cores);
``--seeds 0``, ``--series AirPassengers lynx``, ``--params '{"target_transform": "none"}'`` (a JSON
dict of LSTMForecaster parameters), ``--out benchmarks/results/classic`` (JSON and Markdown).
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsforecast import LSTMForecaster, backtest
from tsforecast.metrics import interval_coverage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _classic_cuts import cuts, cuts_markdown, score_cuts

CLASSIC = Path(__file__).resolve().parents[2] / "shared" / "data" / "classic"
REFERENCES = Path(__file__).resolve().parent / "results" / "classic_references.json"
REFERENCE_COVERAGE = Path(__file__).resolve().parent / "results" / "classic_reference_coverage.json"
# The defaults forecast quantiles up to their horizon (24 steps): the coverage of intervals,
# and so the references', is compared on series forecast that far at most (not `taylor`'s 48).
COVERED_STEPS = 24


@dataclass(frozen=True)
class Series:
    """One series of the set: its file, frequency, season and horizon."""

    name: str
    start: str
    freq: str
    m: int
    h: int


SET = [
    Series("AirPassengers", "1949-01-01", "MS", 12, 18),
    Series("UKDriverDeaths", "1969-01-01", "MS", 12, 18),
    Series("h02", "1991-07-01", "MS", 12, 18),
    Series("gas", "1956-01-01", "MS", 12, 18),
    Series("wineind", "1980-01-01", "MS", 12, 18),
    Series("ausbeer", "1956-01-01", "QS", 4, 8),
    Series("qcement", "1956-01-01", "QS", 4, 8),
    Series("hyndsight", "2014-04-30", "D", 7, 14),
    Series("taylor", "2000-06-05", "30min", 48, 48),
    Series("lynx", "1821-01-01", "YS", 1, 8),
    Series("visnights", "1998-01-01", "QS", 4, 8),
]


# Five monthly series of the set (144 to 476 months, each with its own dates) as one
# (series, time) panel: unlike series in one model, reported apart from the 11 rows.
UNLIKE_PANEL = ("AirPassengers", "UKDriverDeaths", "h02", "gas", "wineind")


def load(series: Series, folder: Path = CLASSIC) -> pd.DataFrame:
    """Return the series as a DataFrame indexed by time stamps (the panel by (region, time))."""
    table = pd.read_csv(folder / f"{series.name}.csv").drop(
        columns=["rownames", "time"], errors="ignore"
    )
    table.index = pd.date_range(series.start, periods=len(table), freq=series.freq, name="time")
    if table.shape[1] == 1:
        return table.set_axis(["value"], axis=1)
    long = table.stack().rename("value").reset_index().rename(columns={"level_1": "region"})
    return long.set_index(["region", "time"])[["value"]].sort_index()


def origins(n: int, h: int) -> list[int]:
    """Return the three forecast origins (rows of history) of a series of ``n`` rows."""
    s = h // 2
    return [n - h - 2 * s, n - h - s, n - h]


def naive_scale(train: np.ndarray, m: int) -> float:
    """In-sample MAE of seasonal naive (period ``m``) on the training values."""
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def mase_of(values: np.ndarray, forecasts: dict[int, np.ndarray], m: int, h: int) -> float:
    """MASE averaged over the origins (``forecasts``: origin -> h forecasts)."""
    first = min(forecasts)
    scale = naive_scale(values[:first], m)
    errors = [np.mean(np.abs(values[o : o + h] - f)) for o, f in forecasts.items()]
    return float(np.mean(errors) / scale)


def seasonal_naive(values: np.ndarray, m: int, h: int) -> dict[int, np.ndarray]:
    """Seasonal-naive forecasts from every origin."""
    out = {}
    for o in origins(len(values), h):
        last = values[o - m : o]
        out[o] = np.array([last[k % m] for k in range(h)])
    return out


def statistical(
    values: np.ndarray, m: int, h: int, level: int | None = None
) -> dict[str, dict[int, dict[str, np.ndarray]]]:
    """AutoETS, AutoTheta and AutoARIMA fitted on the training rows, run forward.

    Returns ``model -> origin -> {"mean": ...}``; with ``level`` (a percentage), the model's
    ``level``% interval too (``"lo"``, ``"hi"``), and statsforecast's ``SeasonalNaive``
    (fitted and run the same way) among the models: its interval is the reference for
    seasonal naive's.
    """
    try:
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive
    except ImportError:
        return {}
    cuts = origins(len(values), h)
    y = values.astype(np.float64)
    makers = {"AutoETS": lambda: AutoETS(season_length=m),
              "AutoTheta": lambda: AutoTheta(season_length=m),
              "AutoARIMA": lambda: AutoARIMA(season_length=m)}  # fmt: skip
    if level is not None:
        makers["seasonal naive"] = lambda: SeasonalNaive(season_length=m)
    asked = {} if level is None else {"level": [level]}
    results: dict[str, dict[int, dict[str, np.ndarray]]] = {}
    for name, make in makers.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make().fit(y[: cuts[0]])
            results[name] = {}
            for o in cuts:
                found = model.forward(y=y[:o], h=h, **asked)
                results[name][o] = {"mean": np.asarray(found["mean"])}
                if level is not None:
                    results[name][o]["lo"] = np.asarray(found[f"lo-{level}"])
                    results[name][o]["hi"] = np.asarray(found[f"hi-{level}"])
    return results


def reference_coverage(name: str, values: dict[str, np.ndarray], m: int, h: int) -> dict:
    """Return the reference models' 80% interval coverage of each series (kept: ``name``).

    Returns ``model -> series -> share of the test values inside`` (the test values of
    the three origins, as for tsforecast's coverage), or ``{}`` without statsforecast. Kept
    in `REFERENCE_COVERAGE`, as the scores are in `REFERENCES`.
    """
    cache = json.loads(REFERENCE_COVERAGE.read_text()) if REFERENCE_COVERAGE.exists() else {}
    if name in cache:
        return cache[name]
    found: dict[str, dict[str, float]] = {}
    for key, y in values.items():
        for model, runs in statistical(y, m, h, level=80).items():
            inside = [(y[o : o + h] >= run["lo"]) & (y[o : o + h] <= run["hi"])
                      for o, run in runs.items()]  # fmt: skip
            found.setdefault(model, {})[key] = float(np.mean(inside))
    if found:
        cache[name] = found
        REFERENCE_COVERAGE.write_text(json.dumps(cache, indent=1) + "\n")
    return found


def coverage_summary(coverage: list[float]) -> str:
    """Median, range and share within 0.6-0.95 of a panel's per-series coverage."""
    found = sorted(coverage)
    within = np.mean([0.6 <= c <= 0.95 for c in found])
    return (f"median {np.median(found):.2f}, range {found[0]:.2f}-{found[-1]:.2f}, "
            f"{within:.0%} of them within 0.60-0.95")  # fmt: skip


def tsforecast_forecasts(
    frame: pd.DataFrame, series: Series, seed: int, params: dict[str, Any]
) -> tuple[dict[str, dict[int, np.ndarray]], float, dict[str, float]]:
    """Return the forecasts from each origin (per region), fit seconds, 80% coverage.

    The coverage of the 80% intervals is per region; empty when ``h`` exceeds the model's
    horizon (quantiles go up to the horizon).
    """
    panel = frame.index.nlevels == 2
    n = frame.index.get_level_values("time").nunique() if panel else len(frame)
    cuts = origins(n, series.h)
    model = LSTMForecaster(random_state=seed, **params)
    train = frame.groupby(level="region").head(cuts[0]) if panel else frame.iloc[: cuts[0]]
    began = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train)
    seconds = time.perf_counter() - began
    s = series.h // 2
    levels = True if series.h <= model.horizon_ else None  # quantiles: up to the horizon
    table = backtest(model, frame, start=cuts[0], steps=series.h, stride=s, quantiles=levels)
    out: dict[str, dict[int, np.ndarray]] = {}
    # the series' id column is named as the index level (the panel's "region")
    key = table["region"] if panel else pd.Series("value", index=table.index)
    for name, rows in table.groupby(key):
        for cut, (_, at) in zip(cuts, rows.groupby("origin"), strict=True):  # in time order
            out.setdefault(str(name), {})[cut] = at.sort_values("step")["forecast"].to_numpy()
    coverage = {}
    if levels:
        table["key"] = key.astype(str)
        coverage = interval_coverage(table, coverage=0.8, by="key").to_dict()
    return out, seconds, coverage


def references(series: Series, values: dict[str, np.ndarray]) -> dict[str, float]:
    """MASE of seasonal naive and the statistical models (mean over a panel's series).

    They do not depend on the seed: computed once and kept in `REFERENCES` (AutoARIMA takes
    minutes on the half-hourly series); delete the file to recompute.
    """
    return references_of(series.name, values, series.m, series.h)


def references_of(name: str, values: dict[str, np.ndarray], m: int, h: int) -> dict[str, float]:
    """Return `references` of the series (or panel) ``values``, kept under ``name``."""
    cache = json.loads(REFERENCES.read_text()) if REFERENCES.exists() else {}
    if name in cache:
        return cache[name]
    reference: dict[str, list[float]] = {}
    for y in values.values():
        reference.setdefault("seasonal naive", []).append(mase_of(y, seasonal_naive(y, m, h), m, h))
        for model, runs in statistical(y, m, h).items():
            forecasts = {o: run["mean"] for o, run in runs.items()}
            reference.setdefault(model, []).append(mase_of(y, forecasts, m, h))
    found = {model: float(np.mean(scores)) for model, scores in reference.items()}
    if len(found) > 1:  # statsforecast was there: keep them
        cache[name] = found
        REFERENCES.write_text(json.dumps(cache, indent=1) + "\n")
    return found


def score_series(series: Series, seeds: list[int], params: dict[str, Any]) -> dict[str, Any]:
    """MASE of every model on one series (the panel: mean over regions), fit seconds."""
    frame = load(series)
    panel = frame.index.nlevels == 2
    columns = {}
    names = sorted(frame.index.get_level_values("region").unique()) if panel else ["value"]
    values = {
        name: (frame.xs(name, level="region") if panel else frame)["value"].to_numpy(float)
        for name in names
    }
    columns.update(references(series, values))
    per_seed, seconds, coverages = [], [], []
    for seed in seeds:
        forecasts, fit_seconds, coverage = tsforecast_forecasts(frame, series, seed, params)
        coverages.append(coverage)
        scores = []
        for name, y in values.items():
            found = forecasts.get(name, next(iter(forecasts.values())) if not panel else None)
            scores.append(mase_of(y, found, series.m, series.h))
        per_seed.append(float(np.mean(scores)))
        seconds.append(fit_seconds)
    columns["tsforecast"] = statistics.median(per_seed)
    return {"series": series.name, "mase": columns, "tsforecast_seeds": per_seed,
            "fit_seconds": statistics.median(seconds),
            "coverage_80": {k: statistics.median(c[k] for c in coverages)
                            for k in coverages[0]},
            "reference_coverage_80": reference_coverage(series.name, values, series.m, series.h)
                                     if coverages[0] else {}}  # fmt: skip


def score_unlike_panel(seeds: list[int], params: dict[str, Any]) -> dict[str, list[float]]:
    """MASE per seed of one model fitted on the `UNLIKE_PANEL` series as a panel, by series.

    Each series is scored as it is alone: the model is fitted on the rows of every series
    before that series' first origin, and forecasts ``h`` steps from each of its origins
    with its true history.
    """
    kept = [series for series in SET if series.name in UNLIKE_PANEL]
    h, m = kept[0].h, kept[0].m
    assert all((series.h, series.m) == (h, m) for series in kept), "one horizon and season"
    values = {series.name: load(series)["value"] for series in kept}

    def panel(parts: dict[str, pd.Series]) -> pd.DataFrame:
        return pd.concat(parts, names=["series", "time"]).to_frame("value")

    train = panel({name: y.iloc[: origins(len(y), h)[0]] for name, y in values.items()})
    scores: dict[str, list[float]] = {name: [] for name in values}
    for seed in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LSTMForecaster(random_state=seed, **params).fit(train)
            for name, y in values.items():
                forecasts = {
                    o: model.forecast(panel({name: y.iloc[:o]}), h)["value"].to_numpy()
                    for o in origins(len(y), h)
                }
                scores[name].append(mase_of(y.to_numpy(float), forecasts, m, h))
    return scores


def unlike_panel_markdown(scores: dict[str, list[float]], rows: list[dict[str, Any]]) -> str:
    """Return the unlike panel's table: each series in the panel, alone, seasonal naive."""
    alone = {row["series"]: row["mase"] for row in rows}
    lines = ["", "One model for five unlike monthly series (`UNLIKE_PANEL`, each series scored as "
             "alone; MASE, median of seeds, the seeds in brackets):", "",
             "| series | seasonal naive | tsforecast alone | tsforecast in the panel |",
             "|---|---|---|---|"]  # fmt: skip
    for name, found in scores.items():
        mase = alone.get(name, {})
        cells = [f"{mase[k]:.3f}" if k in mase else "-" for k in ("seasonal naive", "tsforecast")]
        seeds = ", ".join(f"{v:.3f}" for v in found)
        lines.append(f"| {name} | {' | '.join(cells)} | {statistics.median(found):.3f} ({seeds}) |")
    means = [
        f"{np.mean([alone[name][key] for name in scores]):.3f}"
        if all(key in alone.get(name, {}) for name in scores)
        else "-"
        for key in ("seasonal naive", "tsforecast")
    ]
    panel = np.mean([statistics.median(found) for found in scores.values()])
    lines.append(f"| **mean** | {' | '.join(means)} | {panel:.3f} |")
    return "\n".join(lines) + "\n"


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and median MASE per model; wins of tsforecast against each reference."""
    models = list(rows[0]["mase"])
    out: dict[str, Any] = {}
    for model in models:
        scores = [row["mase"][model] for row in rows]
        out[model] = {"mean": float(np.mean(scores)), "median": float(np.median(scores))}
        if model != "tsforecast":
            out[model]["tsforecast_beats"] = sum(
                row["mase"]["tsforecast"] < row["mase"][model] for row in rows
            )
    worst = max(row["mase"]["tsforecast"] / row["mase"]["seasonal naive"] for row in rows)
    out["worst_ratio_to_seasonal_naive"] = float(worst)
    return out


def markdown(
    rows: list[dict[str, Any]],
    totals: dict[str, Any],
    seeds: list[int],
    argv: list[str] | None = None,
) -> str:
    """Return the results as a Markdown table, with the command that ran them (``argv``)."""
    models = list(rows[0]["mase"])
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "benchmarks/bench_classic.py", *given])
    lines = [f"# Classic short series (MASE, tsforecast: median of seeds {seeds})", "",
             f"{date.today().isoformat()}, {platform.machine()}, torch {torch.__version__}, "
             f"{torch.get_num_threads()} threads. Command: `{command}`", "",
             "| series | " + " | ".join(models) + " | fit s |",
             "|---" * (len(models) + 2) + "|"]  # fmt: skip
    for row in rows:
        cells = " | ".join(f"{row['mase'][m]:.3f}" for m in models)
        lines.append(f"| {row['series']} | {cells} | {row['fit_seconds']:.1f} |")
    for stat in ("mean", "median"):
        cells = " | ".join(f"{totals[m][stat]:.3f}" for m in models)
        lines.append(f"| **{stat}** | {cells} | |")
    lines += ["", "tsforecast beats: " + ", ".join(
        f"{m} on {totals[m]['tsforecast_beats']} of {len(rows)}" for m in models
        if m != "tsforecast")]  # fmt: skip
    lines.append(
        f"Worst tsforecast / seasonal naive: {totals['worst_ratio_to_seasonal_naive']:.3f}"
    )
    lines += ["", "80% intervals, share of the test values inside (tsforecast: median of seeds; "
              "per region for a panel; in brackets the references' 80% intervals, fitted "
              "and run forward the same way, seasonal naive's from statsforecast's "
              "`SeasonalNaive`):"]  # fmt: skip
    for row in rows:
        found = list(row["coverage_80"].values())
        references = row.get("reference_coverage_80", {})
        if len(found) == 1:
            others = ", ".join(f"{model} {np.mean(list(c.values())):.2f}"
                               for model, c in references.items())  # fmt: skip
            lines.append(f"- {row['series']}: {found[0]:.2f}" + (f" ({others})" if others else ""))
        elif found:
            lines.append(f"- {row['series']}: {len(found)} series, {coverage_summary(found)}")
            lines += [f"  - {model}: {coverage_summary(list(c.values()))}"
                      for model, c in references.items()]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--series", nargs="+", default=None)
    parser.add_argument("--params", default="{}", help="JSON dict of LSTMForecaster parameters")
    parser.add_argument("--out", default=None, help="path stem of the JSON and Markdown reports")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--references-only",
        action="store_true",
        help="compute (and keep) the reference models' scores only",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    chosen = [s for s in SET if args.series is None or s.name in args.series]
    params = json.loads(args.params)
    if args.references_only:
        for series in chosen:
            frame = load(series)
            names = frame.index.get_level_values(0).unique() if frame.index.nlevels == 2 else [0]
            values = {n: (frame.xs(n, level="region") if frame.index.nlevels == 2 else frame)
                      ["value"].to_numpy(float) for n in names}  # fmt: skip
            print(series.name, references(series, values), flush=True)
            if series.h <= COVERED_STEPS:
                reference_coverage(series.name, values, series.m, series.h)
        return 0
    rows = []
    for series in chosen:
        row = score_series(series, args.seeds, params)
        rows.append(row)
        figures = "  ".join(f"{m} {v:.3f}" for m, v in row["mase"].items())
        print(f"{series.name:15s} {figures}  fit {row['fit_seconds']:.1f}s", flush=True)
    totals = summary(rows)
    report = markdown(rows, totals, args.seeds, argv)
    unlike = shorter = None
    if args.series is None:  # the whole set: its five monthly series as one panel too
        unlike = score_unlike_panel(args.seeds, params)
        report += unlike_panel_markdown(unlike, rows)
        shorter = score_cuts(cuts(SET, load), args.seeds, params, origins, mase_of,
                             references_of)  # fmt: skip
        report += cuts_markdown(shorter)
    print(report)
    if args.out:
        stem = Path(args.out)
        stem.parent.mkdir(parents=True, exist_ok=True)
        stem.with_suffix(".json").write_text(json.dumps(
            {"seeds": args.seeds, "params": params, "rows": rows, "summary": totals,
             "unlike_panel": unlike, "shorter_cuts": shorter}, indent=1
        ) + "\n")  # fmt: skip
        stem.with_suffix(".md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
