"""Datasette inside Pyodide: app.py starts it and answers the page's requests; plugin/ holds its hooks.

Nothing is imported here: Datasette imports plugin/ while it is itself importing, so importing app.py from
the package would be circular.
"""
