"""The benchmark: its data generator (seed.py), load runs (run.py) and in-process tools; never imported by the app."""
