"""``python -m simulator`` is the ``refsim`` command."""

from .cli import main

main()
