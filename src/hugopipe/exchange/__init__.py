"""The task exchange: task files move ``pending/ → in-progress/ → completed/ | failed/``.

Claude Code writes a task file into ``tasks/pending/`` (or runs ``hugopipe submit``);
the intake starts its run; when the run ends the file moves on with the run id,
the result path and, for a failure, the reason in its front matter. Three rooms:
``folders`` (the atomic moves and front-matter updates), ``lifecycle`` (start a
run, follow it, finish the file with the expected-output checks) and ``intake``
(the loop the serving process runs). The maintenance sweep of files whose run
vanished lives with maintenance (``hugopipe.maintenance``) and calls ``lifecycle``.
"""

from hugopipe.exchange.folders import STATES, Exchange, adopt, claim, finish, tasks_root

__all__ = ["STATES", "Exchange", "adopt", "claim", "finish", "tasks_root"]
