"""DDP through torchrun: NCCL on GPUs, gloo on CPUs (so a 2-process run works in CI)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()


def setup(device: str) -> Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Dist()
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.startswith("cuda"):
        torch.cuda.set_device(local)
    dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    return Dist(rank, world, local)


def teardown(state: Dist) -> None:
    if state.world > 1 and dist.is_initialized():
        dist.destroy_process_group()


def gather_objects(state: Dist, value: object) -> list:
    """Every process's `value`, in rank order (pickled through the process group)."""
    if state.world == 1:
        return [value]
    found: list = [None] * state.world
    dist.all_gather_object(found, value)
    return found


def broadcast_int(value: int, state: Dist) -> int:
    """Rank 0's `value` on every rank (early stopping decides for all)."""
    if state.world == 1:
        return value
    tensor = torch.tensor([value])
    torch.distributed.broadcast(tensor, 0)
    return int(tensor.item())
