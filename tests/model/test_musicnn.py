"""The PyTorch musicnn port against the stock TensorFlow package's outputs (../shared/reference/musicnn)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from crossmusim.model.audio import tf_checkpoint
from crossmusim.model.audio.mel import MUSICNN_MEL, LogMel
from crossmusim.model.audio.musicnn import load_musicnn, patches_from_logmel

pytest.importorskip("musicnn", reason='pip install --no-deps "musicnn==0.1.0"')
REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "musicnn"


@pytest.mark.parametrize("model", ["MSD", "MTT"])
def test_port_reproduces_the_stock_tags_and_features(model):
    files = sorted(REFERENCE.glob(f"ref_{model}_musicnn_*.npz"))
    if not files:
        pytest.skip("../shared/reference/musicnn is absent")
    net = load_musicnn(f"musicnn-{model.lower()}")
    for path in files:
        ref = np.load(path)
        with torch.no_grad():
            out = net.features(torch.from_numpy(ref["batch"]))
        assert np.abs(out["taggram"].numpy() - ref["taggram"]).max() < 1e-5, path.name
        # Only the first penultimate row of the stock extractor is fresh; ours are all computed.
        assert np.abs(out["penultimate"].numpy()[0] - ref["pen"][0]).max() < 1e-4, path.name
        assert out["mean_pool"].shape == (3, 753)
    # The stale rows of the stock extractor are not copied: the port's later rows differ from its first.
    assert not torch.allclose(out["penultimate"][0], out["penultimate"][1])


def test_checkpoint_reader_reads_every_variable_without_tensorflow():
    folder = Path(__import__("musicnn").__file__).parent / "MSD_musicnn"
    index = tf_checkpoint.read_index(folder / ".index")
    tensors = tf_checkpoint.read_checkpoint(folder)
    assert tensors["conv2d/kernel"].shape == (7, 38, 1, 204) and tensors["dense_1/kernel"].shape == (200, 50)
    assert not any("/Adam" in name for name in tensors) and any("/Adam" in name for name in index)
    assert sum(v.size for v in tensors.values()) * 4 < (folder / ".data-00000-of-00001").stat().st_size


def test_checkpoint_reader_refuses_a_file_that_is_not_one(tmp_path):
    (tmp_path / "x.index").write_bytes(b"\0" * 100)
    with pytest.raises(tf_checkpoint.CheckpointFormatError, match="bad table magic"):
        tf_checkpoint.read_checkpoint(tmp_path / "x")


def test_loud_audio_gives_finite_tags():
    # Stock musicnn casts the mel power to float16 before scaling it, which overflows on loud audio.
    mel = LogMel(MUSICNN_MEL)
    t = torch.arange(16000 * 4) / 16000
    loud = (torch.sign(torch.sin(2 * torch.pi * 110 * t)) * 1.0).unsqueeze(0)  # a full-scale square wave
    spec = mel(loud)
    assert torch.isfinite(spec).all()
    # Stock musicnn multiplies the float16 mel power by 10000 in float16: past 65504 that is infinite.
    assert float(spec.max()) > np.log10(float(np.finfo(np.float16).max) + 1)
    net = load_musicnn("musicnn-msd")
    with torch.no_grad():
        tags = net(patches_from_logmel(spec)[0])
    assert torch.isfinite(tags).all()


def test_mel_frames_and_patches_match_musicnn_framing():
    mel = LogMel(MUSICNN_MEL)
    spec = mel(torch.zeros(2, 160000))  # 10 s at 16 kHz
    assert spec.shape == (2, 626, 96)  # 1 + samples // hop, as librosa's centred STFT
    assert patches_from_logmel(spec).shape == (2, 3, 187, 96)
    assert torch.equal(spec, torch.zeros_like(spec))  # log10(10000 * 0 + 1)


REAL_AUDIO = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata" / "audio"
EXPECTED_TOP = [  # (clip, model, tags one of which must be the top tag)
    ("TRWJAZW128F42760DD_test.mp3", "musicnn-msd", {"blues"}),  # Muddy Waters, live blues
    ("electronic.mp3", "musicnn-msd", {"electronic", "dance"}),
    ("orchestra.wav", "musicnn-mtt", {"classical", "strings", "violin"}),
    ("joram-moments_of_clarity-08-solipsism-59-88.mp3", "musicnn-mtt", {"techno", "electronic"}),
]


@pytest.mark.parametrize(("clip", "model", "expected"), EXPECTED_TOP, ids=[c for c, _, _ in EXPECTED_TOP])
def test_real_recordings_through_the_whole_audio_path_get_their_genre(clip, model, expected):
    """Decode (soundfile + soxr), the log-mel inside the model and the port: the front end, which the
    reference patches cannot check, has to be right for real music to be tagged right."""
    path = REAL_AUDIO / clip
    if not path.is_file():
        pytest.skip("../shared/realdata/audio is absent")
    pytest.importorskip("soxr")
    from crossmusim.model.audio.frontend import decode
    from crossmusim.model.audio.musicnn import MSD_TAGS, MTT_TAGS

    wave = torch.from_numpy(decode(path.read_bytes(), 16000))[None]
    net = load_musicnn(model)
    with torch.no_grad():
        tags = net(patches_from_logmel(LogMel(MUSICNN_MEL)(wave))[0]).mean(dim=0)
    names = MSD_TAGS if model == "musicnn-msd" else MTT_TAGS
    assert names[int(tags.argmax())] in expected, [names[i] for i in tags.argsort(descending=True)[:5]]
