"""Ensembles: several networks trained with different seeds, forecasting as their median.

The M4 competition's winner (Smyl's ES-RNN) averaged an ensemble of networks; the median of
members is robust to one member that trained badly. `MedianOfNetworks` is a drop-in for a
`RecurrentNet` at forecast time (the same outputs' shape, `point`, `next_step`,
`forward_last`), so calibration, baselines, forecasts and model files read it as they read
one network; `fit_members` trains the members one after another and calibrates nothing
itself (`held_out.check_held_out` does, on the ensemble's outputs).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from tsforecast._checks import make_rng
from tsforecast._recurrent.network import RecurrentNet
from tsforecast._recurrent.training import FittedNetwork

__all__ = ["MedianOfNetworks", "check_members", "fit_members", "member_builder", "member_seeds"]


class MedianOfNetworks(nn.Module):
    """Networks of one shape read as one: every output is the members' median.

    The median of each output entry over the members (the mean of the middle two for an
    even count). Quantile levels stay sorted: each member's are, and the median is monotone.
    Bounds hold: each member's outputs lie within them.

    Parameters
    ----------
    members : sequence of RecurrentNet
        At least two networks with the same layout and output shape.
    """

    def __init__(self, members: Sequence[RecurrentNet]) -> None:
        super().__init__()
        if len(members) < 2:
            raise ValueError(f"MedianOfNetworks needs at least 2 members; got {len(members)}.")
        first = members[0]
        if any((m.layout, m.output) != (first.layout, first.output) for m in members):
            raise ValueError("MedianOfNetworks: the members' layouts or outputs differ.")
        self.members = nn.ModuleList(members)
        self.layout, self.output = first.layout, first.output

    @property
    def recurrent(self) -> nn.Module:
        """The first member's recurrent layer (its size sets the threads of a forecast)."""
        return self.members[0].recurrent

    @staticmethod
    def _median(outputs: list[torch.Tensor]) -> torch.Tensor:
        return torch.quantile(torch.stack(outputs), 0.5, dim=0)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Return the members' median output at every step (`RecurrentNet.forward`)."""
        return self._median([member(inputs) for member in self.members])

    def forward_last(self, inputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """Return the members' median output after each sequence's last real step."""
        return self._median([member.forward_last(inputs, lengths) for member in self.members])

    def point(self, output: torch.Tensor) -> torch.Tensor:
        """Return the point forecasts in an output (`RecurrentNet.point`)."""
        return self.members[0].point(output)

    def next_step(self, output: torch.Tensor) -> torch.Tensor:
        """Return the next step's point forecast in an output (`RecurrentNet.next_step`)."""
        return self.members[0].next_step(output)


def member_builder(build: Callable[[], RecurrentNet], n_members: int) -> Callable[[], nn.Module]:
    """Return a factory of ``n_members`` new networks as one (one: ``build`` itself)."""
    if n_members == 1:
        return build
    return lambda: MedianOfNetworks([build() for _ in range(n_members)])


def member_seeds(random_state: Any) -> Iterator[Any]:
    """Yield the seed of each member: ``random_state`` itself first, then seeds drawn from it.

    The first member is the model a single-member fit gives (a Generator or RandomState is
    drawn from only after the first member has used it: draw the next seed once that
    member is trained); None stays None for every member (fresh entropy each).
    """
    yield random_state
    if random_state is None:
        while True:
            yield None
    # An int seed: a stream of its own; a Generator/RandomState: drawn from as it stands.
    rng = make_rng(random_state)
    while True:
        yield int(rng.integers(2**31 - 1))


def fit_members(
    fit_one: Callable[[Any], FittedNetwork], n_members: int, random_state: Any
) -> FittedNetwork:
    """Train ``n_members`` networks with ``fit_one(seed)``; return them as one.

    With one member (or when the first is interrupted) that member's fit is returned as it
    is. With several, the returned fit holds a `MedianOfNetworks`: its history and kept
    epoch are the first member's, its stop the first member's unless a member stopped on
    a NaN loss or was interrupted (Ctrl-C: no further member is trained; the ensemble is
    those trained so far), its seconds those of all members, and its validator reads the
    ensemble.
    """
    fits: list[FittedNetwork] = []
    for seed in member_seeds(random_state):
        fits.append(fit_one(seed))
        if len(fits) == n_members or fits[-1].stopped == "interrupted":
            break
    first = fits[0]
    if len(fits) == 1:
        return first
    ensemble = MedianOfNetworks([fit.module for fit in fits]).eval()
    validator = None
    if first.validator is not None:
        validator = dataclasses.replace(first.validator, module=ensemble)
    stops = [fit.stopped for fit in fits]
    stopped = next((stop for stop in ("interrupted", "nan") if stop in stops), first.stopped)
    return dataclasses.replace(
        first,
        module=ensemble,
        seconds=sum(fit.seconds for fit in fits),
        validator=validator,
        stopped=stopped,
    )


def check_members(weights: dict[str, torch.Tensor], n_members: int, owner: str) -> None:
    """Refuse saved weights that do not hold ``n_members`` networks, before any is built.

    One network's weights are named as a `RecurrentNet`'s; member ``k``'s of an ensemble
    under ``members.k.`` (`MedianOfNetworks`), for ``k`` from 0 on.
    """
    found = {re.match(r"members\.(\d+)\.", key) for key in weights}
    if None in found:
        held = 1 if found == {None} else 0  # a mix of a network and members: none
    else:
        numbers = {int(match.group(1)) for match in found}  # type: ignore[union-attr]
        held = len(numbers) if numbers == set(range(len(numbers))) else 0
    if held != n_members:
        raise ValueError(
            f"{owner}: weights.pt holds {held} network(s) where state.json says "
            f"n_members_={n_members}; the files come from different models. Save the model "
            "again."
        )
