"""Render a song's MIDI to audio with FluidSynth and a General MIDI soundfont (Debian packages
`fluidsynth` and `fluid-soundfont-gm`), then the artist's mix: reverb and chorus in the synth, a
low-pass and drive after it, and loudness normalised (mood is never carried by level)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from crossmusim.demo.world.artists import Song
from crossmusim.demo.world.compose import compose
from crossmusim.errors import UserError

SOUNDFONTS = [Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"), Path("/usr/share/sounds/sf2/default-GM.sf2")]
INSTALL = "apt-get install fluidsynth fluid-soundfont-gm"
RATE = 22050
TARGET_RMS = 0.1


def find_tools(soundfont: Path | None = None) -> tuple[str, Path]:
    binary = shutil.which("fluidsynth")
    font = soundfont or next((p for p in SOUNDFONTS if p.is_file()), None)
    if binary is None or font is None or not Path(font).is_file():
        raise UserError(f"rendering the demo's music needs FluidSynth and a General MIDI soundfont: {INSTALL}")
    return binary, Path(font)


def _lowpass(wave: np.ndarray, cutoff: float, rate: int) -> np.ndarray:
    """A one-pole low-pass run forwards and backwards (zero phase), vectorised per block."""
    spectrum = np.fft.rfft(wave)
    freqs = np.fft.rfftfreq(len(wave), 1 / rate)
    return np.fft.irfft(spectrum / np.sqrt(1 + (freqs / cutoff) ** 2), n=len(wave))


def render(song: Song, out: Path, seconds: float = 12.0, soundfont: Path | None = None) -> Path:
    binary, font = find_tools(soundfont)
    midi = compose(song, seconds)
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "song.mid", Path(tmp) / "song.wav"
        midi.write(str(mid))
        artist = song.artist
        mix = [f"synth.reverb.room-size={artist.reverb:.2f}", f"synth.chorus.depth={artist.chorus * 10:.1f}"]
        command = [binary, "-ni", "-q", "-r", str(RATE), "-g", "0.6", "-R", "1", "-C", "1", "-o", mix[0], "-o", mix[1],
                   "-F", str(wav), str(font), str(mid)]  # fmt: skip
        proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or not wav.is_file():
            raise UserError(f"fluidsynth failed on song {song.id}: {(proc.stderr or proc.stdout).strip()[:200]}")
        import soundfile as sf

        wave, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    wave = wave.mean(axis=1)[: int(seconds * rate)]
    wave = _lowpass(wave, artist.lowpass_hz, rate)
    if artist.drive > 0:
        gain = 1 + 6 * artist.drive
        wave = np.tanh(gain * wave) / np.tanh(gain)
    rms = float(np.sqrt(np.mean(wave**2))) or 1.0
    wave = np.clip(wave * (TARGET_RMS / rms), -1.0, 1.0).astype(np.float32)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(out), wave, rate)
    return out
