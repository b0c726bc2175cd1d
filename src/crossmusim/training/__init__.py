"""Training: the run (`train`), its trainer, sampling, the audio and feature caches, checkpoints,
distributed set-up and the run's logs. The model a user loads is `crossmusim.model`'s.

    from crossmusim.evaluation.validation import validate
    from crossmusim.training import TrainOptions, TrainOverrides, resolve_config, train
    config = resolve_config("cpu", overrides=TrainOverrides(text_types="caption", seed=1))
    summary = train(config, TrainOptions(dataset=Path("data"), out=Path("runs/x"), validate=validate))

The names below are imported on first use (PEP 562), so importing a cache module does not load the
trainer.
"""

from __future__ import annotations

from crossmusim.lazy import lazy_exports

_EXPORTS = {
    "train": "run",
    "TrainOptions": "options",
    "Trainer": "trainer",
    "TrainerParts": "trainer",
    "TrainingDiverged": "trainer",
    "TrainOverrides": "settings",
    "resolve_config": "settings",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
