"""podpub: publish a podcast episode from raw recording to tagged audio, storage and feed."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`podpub.__version__`, read from the install's metadata only when asked for (reading it
    costs a tenth of a second at every start)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("podpub")
    except PackageNotFoundError:  # running from a source tree without an install
        return "0.0.0"
