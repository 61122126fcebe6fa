"""A database opened in place (pwa/library-inplace.js) is the user's own file, served immutable: every page of it says
so, and offers the copy that can be changed. The button names the shell's library action it runs (pwa/shell.js
bindFrameActions)."""

from datasette import hookimpl
from markupsafe import Markup, escape

COPY_ACTION = "Copy into library"  # the label of the shell's action (pwa/library-actions.js)


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


@hookimpl(specname="top_database")
def read_only_database(datasette, database):
    return read_only_notice(datasette, database)


@hookimpl(specname="top_table")
def read_only_table(datasette, database):
    return read_only_notice(datasette, database)


@hookimpl(specname="top_row")
def read_only_row(datasette, database):
    return read_only_notice(datasette, database)


@hookimpl(specname="top_query")
def read_only_query(datasette, database):
    return read_only_notice(datasette, database)
