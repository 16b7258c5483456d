"""podpub: publish a podcast episode from raw recording to tagged audio, storage and feed."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("podpub")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
