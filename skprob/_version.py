"""skprob's version, read from the installed package's metadata (one source: pyproject.toml)."""

from importlib import metadata

try:
    __version__ = metadata.version("skprob")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
