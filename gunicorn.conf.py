"""gunicorn's settings, read from the folder it starts in (`gunicorn wsgi:app`, and bench/run.py's)."""


def post_worker_init(worker):
    """Each worker of the forum, once it has loaded the app and before it takes a request: see
    forum.web.warm_up. Not the other apps served with these settings (bench/'s ceilings)."""
    if getattr(worker.wsgi, "import_name", None) == "forum":
        from forum.web import warm_up

        warm_up(worker.wsgi)
