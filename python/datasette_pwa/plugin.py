"""Datasette hooks for the app: the person at this browser owns every database, and files stay consistent."""

from datasette import hookimpl


@hookimpl
def actor_from_request(datasette, request):
    # The service worker relays only requests from this app's own pages, so whoever sends one is the
    # local owner of the data: give them root, with every write feature Datasette has, and no login.
    return {"id": "root"}


@hookimpl
def prepare_connection(conn):
    # Databases live on OPFS sync access handles, which must be opened before SQLite asks for a file:
    # a persistent rollback journal is opened once and reused; WAL (shared memory) and DELETE (a new
    # file per transaction) cannot work there.
    conn.execute("PRAGMA journal_mode=PERSIST")
