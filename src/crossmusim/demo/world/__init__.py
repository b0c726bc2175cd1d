"""The demo's labelled music world: seeded artists and songs (`labels.py`, `artists.py`), programmatic
multi-track MIDI (`compose.py`) and FluidSynth rendering (`render.py`). Every song is synthetic."""
