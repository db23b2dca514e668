"""How often a perfectly calibrated forecaster meets the panel coverage goal of the protocol.

Issue 27 asks that the 80% intervals of a 20-region quarterly panel cover within 0.6-0.95 on
at least 90% of the regions, scored as ``bench_classic`` scores ``visnights``: 80 quarters,
origins at rows 64, 68 and 72, eight steps each, 24 values per region. Those 24 values are
few and far from independent (16 distinct quarters, and the errors of one origin's steps
share its level error), so a region's coverage is noisy even where the intervals are exact.

This simulates the protocol with a forecaster whose intervals are exact by construction: each
region is a local level (random walk plus noise, ``y_t = mu_t + e_t``, ``mu_t = mu_{t-1} +
n_t``, ``Var e = 1``, ``Var n = q``), forecast by its Kalman filter, whose h-step predictive
distribution is the true one. It reports the share of regions within 0.6-0.95 over many
simulated panels: its median, and how often it reaches 90%. The larger ``q`` (errors that
persist over the steps of a forecast, as a level that wanders does), the fewer effective
values and the noisier the coverage. The regions of ``visnights`` (their logs' first 64
quarters, a local level with a quarterly season fitted by statsmodels'
``UnobservedComponents``) have a median q of 0.02, half of them between 0.005 and 0.05.

Run: ``python benchmarks/bench_coverage_ceiling.py`` (seconds; ``--panels 2000``,
``--out benchmarks/results/coverage_ceiling`` writes Markdown).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.stats import norm

ROWS, REGIONS, ORIGINS, STEPS, NOMINAL = 80, 20, (64, 68, 72), 8, 0.8
BAND, GOAL = (0.6, 0.95), 0.9
LEVEL_VARIANCES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0)


def region_coverage(q: float, panels: int, rng: np.random.Generator) -> np.ndarray:
    """Return the coverage of every region of ``panels`` simulated panels: (panels, REGIONS)."""
    shape = (panels, REGIONS)
    level = np.cumsum(rng.normal(scale=np.sqrt(q), size=(*shape, ROWS)), axis=-1)
    y = level + rng.normal(size=(*shape, ROWS))
    z = norm.ppf(0.5 + NOMINAL / 2)
    mean, variance = np.zeros(shape), np.full(shape, 1e6)  # a diffuse start
    inside = np.zeros(shape)
    for t in range(ROWS):
        if t in ORIGINS:  # forecast rows t .. t + STEPS - 1 from the rows before t
            for h in range(1, STEPS + 1):
                spread = np.sqrt(variance + h * q + 1.0)
                inside += np.abs(y[..., t - 1 + h] - mean) <= z * spread
        predicted = variance + q  # the Kalman filter's update with row t
        gain = predicted / (predicted + 1.0)
        mean, variance = mean + gain * (y[..., t] - mean), (1 - gain) * predicted
    return inside / (len(ORIGINS) * STEPS)


def main() -> None:
    """Simulate each level variance and print (and with ``--out`` write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    lines = [
        "| level variance q | mean coverage | regions within 0.6-0.95 (median share) "
        "| panels with at least 90% of regions within |",
        "|---|---|---|---|",
    ]
    for q in LEVEL_VARIANCES:
        coverage = region_coverage(q, args.panels, rng)
        within = ((coverage >= BAND[0]) & (coverage <= BAND[1])).mean(axis=1)
        lines.append(f"| {q:g} | {coverage.mean():.3f} | {np.median(within):.0%} "
                     f"| {(within >= GOAL).mean():.0%} |")  # fmt: skip
    table = "\n".join(lines)
    print(table)
    if args.out is not None:
        command = f"python benchmarks/bench_coverage_ceiling.py --panels {args.panels}"
        about = "\n\n".join(__doc__.split("\n\n")[1:3])
        args.out.with_suffix(".md").write_text(
            f"# Panel coverage goal: a perfectly calibrated forecaster\n\n{about}\n\n"
            f"{args.panels} panels per row, seed {args.seed}. Command: `{command}`\n\n{table}\n"
        )


if __name__ == "__main__":
    main()
