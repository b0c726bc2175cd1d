"""An experiment's settings: which dataset, which text-type variants, which split seeds, which baselines
and ablations; read from a TOML file (`crossmusim experiment CONFIG.toml`) or built in code.

    out = "out/my-experiment"
    seeds = [0, 1, 2]                 # split seeds (a prebuilt dataset: training seeds)
    baselines = ["random", "dsp", "musicnn", "musicnn-std", "untrained", "probe"]
    reference = "musicnn-std"         # gains are paired against it, seed by seed
    preset = "cpu"
    models = []                       # other model folders scored beside (e.g. a transfer)

    [dataset]                         # build-dataset's inputs (BuildConfig fields; paths relative to this file)
    open = ["pairs=pairs.csv"]
    tags = "tags.csv"
    split_shares = [0.7, 0.1, 0.2]
    # or: path = "data/built"         # one prebuilt dataset, the same split for every seed

    [variants]                        # run name -> the text types it trains on
    captions = "caption"
    both = "caption,aspects"

    [ablations]
    unmasked = true                   # the best variant by validation, trained again without masking

    [train]                           # any preset field ([model] too), as in `train --config`
    epochs = 30
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError

DEFAULT_VARIANTS = {"captions": "caption", "aspects": "aspects", "both": "caption,aspects"}
DEFAULT_BASELINES = ("random", "dsp", "musicnn", "musicnn-std", "untrained", "probe")
PATH_FIELDS = ("audio", "tags", "splits_from")  # BuildConfig fields that are paths
PATH_LISTS = ("crawl", "generated", "aspects")


@dataclass
class ExperimentConfig:
    out: Path
    dataset: dict[str, Any] = field(default_factory=dict)  # BuildConfig fields, or {"path": built dataset}
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    variants: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VARIANTS))
    baselines: list[str] = field(default_factory=lambda: list(DEFAULT_BASELINES))
    reference: str = "musicnn-std"
    preset: str = "cpu"
    overrides: dict[str, Any] = field(default_factory=dict)  # [train] and [model] tables of the preset
    unmasked: bool = False  # the masking ablation
    models: list[Path] = field(default_factory=list)  # other models scored beside (not trained here)
    cache_dir: Path | None = None
    device: str = "cpu"

    @property
    def prebuilt(self) -> Path | None:
        return Path(self.dataset["path"]) if "path" in self.dataset else None


def check_experiment(config: ExperimentConfig, where: str = "the experiment") -> ExperimentConfig:
    """One line for the first thing wrong, naming the field and the fix."""
    from crossmusim.curation.build_config import BuildConfig
    from crossmusim.evaluation.baselines import BASELINES
    from crossmusim.training.data import check_text_types

    if not config.seeds:
        raise UserError(f"{where}: seeds is empty: give at least one split seed, e.g. seeds = [0, 1, 2]")
    if not config.variants:
        raise UserError(f'{where}: [variants] is empty: name at least one, e.g. captions = "caption"')
    for name, types in config.variants.items():
        try:
            check_text_types([t.strip() for t in types.split(",") if t.strip()])
        except UserError as exc:
            raise UserError(f"{where}: [variants] {name}: {exc}") from None
    from crossmusim.training import resolve_config

    try:  # the preset and its [train]/[model] overrides, checked now rather than at the first training run
        resolve_config(config.preset, tables=config.overrides)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    for name in config.baselines:
        BASELINES.get(name)  # an unknown name: one line listing the choices
    if config.reference not in config.baselines:
        raise UserError(f"{where}: reference {config.reference!r} is not among the baselines: add it to baselines")
    if config.prebuilt is not None:
        if not config.prebuilt.exists():
            raise UserError(f"{where}: [dataset] path {config.prebuilt}: no such dataset (run build-dataset first)")
        if config.unmasked:
            raise UserError(f"{where}: the unmasked ablation rebuilds the dataset: give build inputs, not path")
        return config
    known = {f.name for f in dataclasses.fields(BuildConfig)} - {"out", "seed", "command"}
    unknown = sorted(set(config.dataset) - known)
    if unknown:
        raise UserError(
            f"{where}: [dataset] {', '.join(unknown)} unknown: give path, or any of {', '.join(sorted(known))}"
        )
    if not any(config.dataset.get(k) for k in ("crawl", "generated", "aspects", "open")):
        raise UserError(f"{where}: [dataset] has no text source: give open, crawl, generated or aspects (or path)")
    return config


def read_experiment(path: Path) -> ExperimentConfig:
    """The experiment a TOML file describes; relative paths are relative to the file's folder."""
    from crossmusim.model.config import read_toml

    values = read_toml(path)
    base = Path(path).resolve().parent
    known = {"out", "dataset", "seeds", "variants", "baselines", "reference", "preset", "models", "ablations",
             "train", "model", "cache_dir", "device"}  # fmt: skip
    unknown = sorted(set(values) - known)
    if unknown:
        raise UserError(f"{path}: {', '.join(unknown)} unknown (the keys are {', '.join(sorted(known))})")
    if "out" not in values:
        raise UserError(f'{path}: no out: add out = "FOLDER" (the experiment\'s folder)')
    dataset = dict(values.get("dataset", {}))
    for key in ("path", *PATH_FIELDS):
        if key in dataset:
            dataset[key] = _resolve(base, dataset[key])
    for key in PATH_LISTS:
        if key in dataset:
            dataset[key] = [_resolve(base, p) for p in _as_list(dataset[key])]
    if "open" in dataset:  # NAME=FILE: the file relative to the config's folder
        dataset["open"] = [_open_spec(base, spec) for spec in _as_list(dataset["open"])]
    if "split_shares" in dataset:
        dataset["split_shares"] = tuple(float(s) for s in dataset["split_shares"])
    if "filters" in dataset:
        dataset["filters"] = tuple(_as_list(dataset["filters"]))
    seeds = values.get("seeds", [0, 1, 2])
    config = ExperimentConfig(
        out=_resolve(base, values["out"]),
        dataset=dataset,
        seeds=[int(s) for s in (range(seeds) if isinstance(seeds, int) else seeds)],
        variants={str(k): str(v) for k, v in values.get("variants", DEFAULT_VARIANTS).items()},
        baselines=[str(b) for b in values.get("baselines", DEFAULT_BASELINES)],
        reference=str(values.get("reference", "musicnn-std")),
        preset=str(values.get("preset", "cpu")),
        overrides={k: values[k] for k in ("train", "model") if k in values},
        unmasked=bool(values.get("ablations", {}).get("unmasked", False)),
        models=[_resolve(base, p) for p in values.get("models", [])],
        cache_dir=_resolve(base, values["cache_dir"]) if "cache_dir" in values else None,
        device=str(values.get("device", "cpu")),
    )
    return check_experiment(config, str(path))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _resolve(base: Path, value: Any) -> Path:
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else base / path


def _open_spec(base: Path, spec: str) -> str:
    name, sep, value = str(spec).partition("=")
    return f"{name}={_resolve(base, value)}" if sep else str(spec)


def experiment_toml(config: ExperimentConfig) -> str:
    """The TOML file `read_experiment` reads back into `config` (absolute paths), so that a grid run in
    code (the demo's) can be run again or changed with `crossmusim experiment FILE`."""
    top = {"out": config.out, "seeds": config.seeds, "baselines": config.baselines, "reference": config.reference,
           "preset": config.preset, "models": config.models, "device": config.device}  # fmt: skip
    if config.cache_dir is not None:
        top["cache_dir"] = config.cache_dir
    lines = [f"{key} = {_toml_value(value)}" for key, value in top.items()]
    tables = {"dataset": config.dataset, "variants": config.variants, "ablations": {"unmasked": config.unmasked}}
    tables.update({name: values for name, values in config.overrides.items()})
    for name, values in tables.items():
        lines += ["", f"[{name}]"]
        nested = {k: v for k, v in values.items() if isinstance(v, dict)}
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in values.items() if k not in nested and v is not None]
        for sub, sub_values in nested.items():
            lines += ["", f"[{name}.{sub}]", *[f"{_toml_key(k)} = {_toml_value(v)}" for k, v in sub_values.items()]]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").isalnum() else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string
