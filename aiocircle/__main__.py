"""``python -m aiocircle``: the command line."""

from .cli import main

raise SystemExit(main())
