"""Datasette inside Pyodide: app.py starts it and answers the page's requests; plugin/ holds its core hooks,
features/ the features beyond Datasette's own (each a plugin of its own).

Nothing is imported here: Datasette imports plugin/ while it is itself importing, so importing app.py from
the package would be circular.
"""
