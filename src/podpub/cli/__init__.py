"""The `podpub` command (Click): a thin layer over the library, the only place that prints."""

from podpub.cli.main import main

__all__ = ["main"]
