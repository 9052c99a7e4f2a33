"""`python -m bot` is `coach run`."""

import sys

from bot.cli import main

sys.exit(main(["run", *sys.argv[1:]]))
