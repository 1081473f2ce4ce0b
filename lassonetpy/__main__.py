"""``python -m lassonetpy``: the command line (see :mod:`lassonetpy.cli`)."""

import sys

from .cli import main

sys.exit(main())
