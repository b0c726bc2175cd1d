"""`DualEncoder.embed_audio` takes what CLAP-style libraries take: file paths, (array, rate) pairs, arrays."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from crossmusim.errors import UserError
from crossmusim.model.config import preset
from crossmusim.model.dual_encoder import DualEncoder


def test_paths_pairs_and_arrays_embed_alike(tmp_path):
    torch.manual_seed(0)
    model = DualEncoder(preset("tiny"))
    rate = model.sample_rate
    t = np.arange(3 * rate) / rate
    wave = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    sf.write(tmp_path / "mono.wav", wave, rate, subtype="FLOAT")
    sf.write(tmp_path / "stereo.wav", np.stack([wave, wave], axis=1), rate, subtype="FLOAT")
    expected = model.embed_audio([wave])
    for item in (tmp_path / "mono.wav", str(tmp_path / "stereo.wav"), (wave, rate), np.stack([wave, wave])):
        assert np.allclose(model.embed_audio([item]), expected, atol=1e-6), item
    other = 2 * rate  # another rate: resampled, as the same call with sample_rate= does
    resampled = np.interp(np.arange(3 * other) / other, t, wave).astype(np.float32)
    assert np.allclose(model.embed_audio([(resampled, other)]), model.embed_audio([resampled], sample_rate=other))
    with pytest.raises(UserError, match="nope.wav: no such audio file"):
        model.embed_audio([tmp_path / "nope.wav"])
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(UserError, match="text.wav: not audio soundfile can read"):
        model.embed_audio([str(tmp_path / "text.wav")])
