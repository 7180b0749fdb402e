"""Entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""

import gc

from forum import create_app

app = create_app()
# What start-up built (routes, mappers, the app's objects: ~100,000) lives as long as the process.
# Frozen out of the garbage collector's sight, a full collection takes ~10 ms instead of ~80 ms at
# 100,000 posts, and those pauses were a visible part of a varied search's p99 (docs/PERFORMANCE.md).
gc.freeze()
