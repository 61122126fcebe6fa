"""Datasette's and sqlite-utils' own test suites as a second opinion (benchmarks/upstream_suites.py)."""
