"""Entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""

import gc

from forum import create_app

app = create_app()
# What start-up built (routes, mappers, the app's objects) lives as long as the process. Frozen out
# of the garbage collector's sight, it makes every full collection several times shorter: those
# pauses were a visible part of the searches' tail latency.
gc.freeze()
