"""A database opened in place (pwa/worker/library-inplace.js) is the user's own file, served immutable: each of its pages
says so, and offers the copy that can be changed. The button names the shell's library action it runs
(LibraryActions.bindPageActions in pwa/page/library-actions.js)."""

from datasette import hookimpl
from markupsafe import Markup, escape

COPY_ACTION = "Copy into library"  # the label of the shell's action (pwa/page/library-actions.js)


def read_only_notice(datasette, database: str):
    db = datasette.databases.get(database)
    if db is None or db.is_mutable or not db.path:
        return None
    return Markup(
        '<p class="message-warning pwa-read-only">{name} is opened in place, straight from your file, so it is '
        "read-only: nothing here can change it. To change it, "
        '<button type="button" class="button-as-link" data-library-action="{action}" data-database="{name}">'
        "copy it into the library</button>.</p>"
    ).format(name=escape(database), action=COPY_ACTION)


# Datasette's top_<page> hooks: the notice at the top of each page of such a database.


@hookimpl
def top_database(datasette, database):
    return read_only_notice(datasette, database)


@hookimpl
def top_table(datasette, database):
    return read_only_notice(datasette, database)


@hookimpl
def top_row(datasette, database):
    return read_only_notice(datasette, database)


@hookimpl
def top_query(datasette, database):
    return read_only_notice(datasette, database)
