"""``python -m lassonetpy.cli``: the command line (see :mod:`lassonetpy.cli`)."""

import sys

from . import main

sys.exit(main())
