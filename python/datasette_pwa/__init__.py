"""Datasette inside Pyodide: start it, and answer the page's requests through it."""

from .app import App, start

__all__ = ["App", "start"]
