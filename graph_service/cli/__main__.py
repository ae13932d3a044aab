"""``python -m graph_service.cli`` (the same as ``python -m graph_service``)."""

import sys

from graph_service.cli.main import main

sys.exit(main())
