"""Data-parallel training with torchrun: every process trains on its own share of the series
=========================================================================================

One machine, two processes (gloo on the CPU; nccl on GPUs):

    torchrun --nproc_per_node=2 examples/train_distributed.py

Several machines: the same command on each, with the first machine's address:

    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=2 \
        --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 examples/train_distributed.py

Run with plain ``python`` it trains in one process. The data is the shipped PBC panel written
to the on-disk format: every rank opens the same directory (a memory map: nothing is loaded)
and draws blocks from its own share of the patients. All ranks end with the same weights;
only rank 0 writes the model and prints.
"""

import os
import sys
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist

from tsforecast import LSTMForecaster, SequenceData
from tsforecast.datasets import load_pbc

distributed = "RANK" in os.environ  # set by torchrun
if distributed:
    if torch.cuda.is_available():  # one GPU per process
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
rank = dist.get_rank() if distributed else 0
folder = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.gettempdir()) / "tsforecast-ddp"

if rank == 0:  # write the on-disk data once; the other ranks wait for it
    load_pbc().save(folder / "pbc", overwrite=True)
if distributed:
    dist.barrier()
visits = SequenceData.open(folder / "pbc")

model = LSTMForecaster(
    target=["bili", "albumin"], context_length=16, hidden_size=32, max_epochs=20,
    device="cuda" if torch.cuda.is_available() else "cpu", random_state=0,
)  # fmt: skip
model.fit(visits)
path = model.save(folder / "model", overwrite=True)  # rank 0 writes, the others wait

if rank == 0:
    world = dist.get_world_size() if distributed else 1
    print(f"trained on {world} process(es): {model.n_epochs_} epochs, {model.fit_seconds_:.1f} s")
    scores = model.baseline_scores_  # validation MAE per step, in standard deviations
    best = min(v[0] for name, v in scores.items() if name != "model" and v[0] is not None)
    print(f"next visit: model {scores['model'][0]:.3f} against the best naive {best:.3f}")
    print("saved to", path)
if distributed:
    dist.destroy_process_group()
