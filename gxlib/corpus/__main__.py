"""``python -m gxlib.corpus SRC... -o DIR``: the same as ``gx build``."""

import sys

from ..cli import main as cli_main

sys.exit(cli_main(["build", *sys.argv[1:]]))
