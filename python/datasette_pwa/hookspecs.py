"""The app's own plugin hooks, next to Datasette's (pluggy, as datasette/hookspecs.py declares Datasette's): how the
library (library.py) lets the features shape its databases without importing them."""

from pluggy import HookspecMarker

hookspec = HookspecMarker("datasette")


@hookspec(firstresult=True)
def library_database_class(datasette):
    """The class (a datasette.database.Database) of the library's databases; plugin/ composes it from the features."""


@hookspec
def library_database_moved(datasette, name, new_name):
    """The library's database name was renamed to new_name, or removed (new_name None); may return an awaitable."""
