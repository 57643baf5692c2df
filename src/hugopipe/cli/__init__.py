"""The ``hugopipe`` command: Claude Code's handle on the pipeline.

Commands talk to Prefect's REST API through ``hugopipe.prefect_rest`` (the standard
library's ``http.client``) and never import Prefect: importing it costs ~1.1 s, too slow
for an agent polling in a loop.
"""

from hugopipe.cli.main import entry, main

__all__ = ["entry", "main"]
