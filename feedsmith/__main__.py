"""``python -m feedsmith``: the same as the ``feedsmith`` command."""

from .cli import main

main()
