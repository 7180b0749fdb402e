"""gunicorn's settings, read from the folder it starts in (`gunicorn wsgi:app`, and bench/run.py's)."""

import sys


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
