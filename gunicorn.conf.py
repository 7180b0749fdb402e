"""gunicorn's settings, read from the folder it starts in (`gunicorn wsgi:app`, and bench/run.py's)."""

import os
import sys
from pathlib import Path

# Each worker embeds titles and searches vectors with numpy (forum/semantic): one BLAS thread per
# worker, as there are about as many workers as cores; more would make them wait on each other.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def on_starting(server):
    """With PROMETHEUS_MULTIPROC_DIR set (docs/DEPLOY.md), the workers keep their metrics in files there:
    a new server starts from an empty folder, or it would add up the counts of a previous run."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    """A worker that ended (killed, or recycled): its connections in use no longer count."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Each worker of the forum, once it has loaded the app and before it takes a request: see
    forum.web.warm_up. Not the other apps served with these settings (bench/'s ceilings)."""
    if getattr(worker.wsgi, "import_name", None) == "forum":
        from forum.limits import unshared_limits_problem
        from forum.web import warm_up

        problem = unshared_limits_problem(worker.wsgi, worker.cfg.workers)
        if problem:
            worker.log.error(problem)
            sys.exit(3)  # gunicorn's "worker failed to boot": the server stops, saying why

        warm_up(worker.wsgi)
