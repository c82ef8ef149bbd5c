"""Benchmarks of reconciler at firm scale (run `python bench/run.py`); not part of the package."""
