"""`python -m podpub` runs the command, as the `podpub` script does."""

from podpub.cli import main

main()
