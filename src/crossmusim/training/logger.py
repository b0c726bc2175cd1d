"""A training run's logs: `train.log` (everything the `crossmusim` loggers say during the run),
`metrics.csv` (one row per epoch, appended, so a resumed run continues it), TensorBoard scalars when
tensorboard is installed, and a progress bar per epoch on a terminal."""

from __future__ import annotations

import csv
import logging
import sys
from pathlib import Path
from typing import Any

logger = logging.getLogger("crossmusim.train")


class RunLogger:
    """The logs of one run folder, on the main process only; `close()` detaches the log file."""

    def __init__(self, out: Path):
        self.out = out
        self.handler = logging.FileHandler(out / "train.log", encoding="utf-8")
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logging.getLogger("crossmusim").addHandler(self.handler)
        self.writer = None  # TensorBoard, opened when the first epoch is recorded

    def record(self, row: dict[str, Any]) -> None:
        """One epoch's row into metrics.csv (the header of an existing file wins) and TensorBoard."""
        if self.writer is None:
            self.writer = _tensorboard(self.out)
        path = self.out / "metrics.csv"
        fields = list(row)
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                fields = next(csv.reader(handle), None) or fields
        new = not path.exists()
        with path.open("a", encoding="utf-8", newline="") as handle:
            rows = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
            if new:
                rows.writeheader()
            rows.writerow(row)
        if self.writer:
            for key, value in row.items():
                if key != "epoch":
                    self.writer.add_scalar(key, value, row["epoch"])
            self.writer.flush()

    def close(self) -> None:
        if self.writer:
            self.writer.close()
        logging.getLogger("crossmusim").removeHandler(self.handler)
        self.handler.close()


def _tensorboard(out: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        logger.warning('no TensorBoard logs: pip install "crossmusim[train]"')
        return False
    return SummaryWriter(str(out / "tensorboard"))


def epoch_progress(total: int, epoch: int, epochs: int):
    """A progress bar over one epoch's steps, drawn only on a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total, desc=f"epoch {epoch}/{epochs}", unit="step", file=sys.stderr, disable=not sys.stderr.isatty()
    )
