"""``python -m hlstransform.host`` is the ``hlstransform`` command."""

import sys

from .cli import main

sys.exit(main())
