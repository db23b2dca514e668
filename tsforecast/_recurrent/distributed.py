"""Data-parallel training across processes with PyTorch's own engine (``torch.distributed``).

When `LSTMForecaster.fit` runs inside an initialised process group (``torchrun``), `Ranks`
holds what the training loop needs to stay in step across processes:

- the network is wrapped in ``DistributedDataParallel``, which averages the gradients;
- each rank draws blocks from its own share of the training series (`shard`), the same
  number of batches per epoch on every rank;
- every decision that would otherwise differ between ranks is taken once: rank 0's
  validation loss and seed are broadcast, training losses summed over ranks, a stop (NaN
  loss, time budget) on any rank stops them all;
- only rank 0 writes (progress bars, the baseline table, ``save``).

Without a process group nothing here is used and training is the single-process loop.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from tsforecast._segments import Segments

__all__ = ["Ranks"]


def local_gpu() -> torch.device:
    """Return this process's GPU: ``LOCAL_RANK`` (set by torchrun), else the current one."""
    index = os.environ.get("LOCAL_RANK")
    return torch.device("cuda", int(index) if index is not None else torch.cuda.current_device())


@dataclass(frozen=True)
class Ranks:
    """The process group a fit runs in: this process's rank, their number, the tensor device.

    Collective calls exchange tensors on ``device`` (the CPU for ``gloo``, the current GPU
    for ``nccl``).
    """

    rank: int
    world: int
    device: torch.device

    @classmethod
    def current(cls) -> Ranks | None:
        """Return the initialised process group, or None (no group, or a group of one)."""
        dist = torch.distributed
        if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
            return None
        device = torch.device("cpu")
        if dist.get_backend() == "nccl":
            device = local_gpu()
        return cls(dist.get_rank(), dist.get_world_size(), device)

    def own_device(self, device: torch.device) -> torch.device:
        """Return ``device`` with this rank's GPU when it names none ("cuda": one GPU per rank)."""
        if device.type == "cuda" and device.index is None:
            return local_gpu()
        return device

    def wrap(self, module: nn.Module) -> nn.Module:
        """Return ``module`` in ``DistributedDataParallel`` (rank 0's weights broadcast).

        The module itself keeps the weights: it is what the estimator stores and saves.
        """
        on_gpu = next(module.parameters()).device.type == "cuda"
        ids = [next(module.parameters()).device.index] if on_gpu else None
        return nn.parallel.DistributedDataParallel(module, device_ids=ids)

    def _reduce(self, values: list[float], op: Any) -> list[float]:
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(tensor, op=op)
        return tensor.tolist()

    def flags(self, *flags: bool) -> list[bool]:
        """Return each flag True on every rank when it is True on one of them (one call)."""
        found = self._reduce([float(flag) for flag in flags], torch.distributed.ReduceOp.MAX)
        return [value > 0 for value in found]

    def sum(self, *values: float) -> list[float]:
        """Return the sums over the ranks of ``values``."""
        return self._reduce(list(values), torch.distributed.ReduceOp.SUM)

    def from_first(self, value: float) -> float:
        """Return rank 0's ``value`` on every rank."""
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        torch.distributed.broadcast(tensor, src=0)
        return float(tensor.item())

    def same_seed(self, rng: np.random.Generator) -> np.random.Generator:
        """Return a generator seeded alike on every rank (from rank 0's ``rng``)."""
        seed = int(rng.integers(2**52))
        return np.random.default_rng(int(self.from_first(float(seed))))

    def check_same_data(self, facts: dict[str, int], owner: str) -> None:
        """Refuse to train when the ranks were given data of different shapes."""
        values = [float(value) for value in facts.values()]
        low = self._reduce(values, torch.distributed.ReduceOp.MIN)
        high = self._reduce(values, torch.distributed.ReduceOp.MAX)
        differ = [name for name, a, b in zip(facts, low, high, strict=True) if a != b]
        if differ:
            raise ValueError(
                f"{owner}: the {self.world} processes of the distributed fit were given "
                f"different data ({', '.join(differ)} differ between ranks; this is rank "
                f"{self.rank}: {facts}). Give every rank the same X (each reads its own share "
                "of the series): open the same SequenceData on every rank."
            )

    def shard(self, segments: Segments) -> Segments:
        """Return this rank's share of the training ranges: an equal share of their rows.

        The ranges (series) that hold an example (2 rows or more) are laid end to end and cut
        into ``world`` runs of equal length; this rank takes its run: whole series, but for
        the series a cut falls in (blocks then never cross the cut). Equal rows per rank keep
        every target position as likely to be drawn as in one process, whatever the series'
        lengths. Every rank computes every share, so all refuse alike when one would be empty.
        """
        usable = segments.lengths >= 2
        starts, lengths = segments.starts[usable], segments.lengths[usable]
        ends = np.cumsum(lengths)
        begins = ends - lengths
        cuts = (int(ends[-1]) if len(ends) else 0) * np.arange(self.world + 1) // self.world
        shares = []
        for rank in range(self.world):
            low = np.maximum(begins, cuts[rank])
            high = np.minimum(ends, cuts[rank + 1])
            keep = high - low >= 2
            shares.append(Segments((starts + low - begins)[keep], (starts + high - begins)[keep]))
        empty = [rank for rank, share in enumerate(shares) if share.n_rows == 0]
        if empty:
            raise ValueError(
                f"LSTMForecaster.fit: the training rows are too few to share between "
                f"{self.world} processes (rank {empty[0]} would get no example); train in one "
                "process, or with fewer."
            )
        return shares[self.rank]

    def blocks_per_rank(self, blocks: int) -> int:
        """Return the blocks each rank draws per epoch: this rank's ``blocks`` summed, shared."""
        return max(1, math.ceil(self.sum(float(blocks))[0] / self.world))

    def barrier(self) -> None:
        """Wait until every rank gets here."""
        torch.distributed.barrier()
