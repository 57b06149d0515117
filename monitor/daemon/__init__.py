"""`monitor run`: the scheduler worker, its health server and its metrics."""
