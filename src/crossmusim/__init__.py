"""crossmusim: learn music-to-music similarity from text descriptions (CrossMuSim)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crossmusim")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
