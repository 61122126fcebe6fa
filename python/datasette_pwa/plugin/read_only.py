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


def notice_at_top_of(page: str):
    """Datasette's top_<page> hook, showing the notice (pluggy takes one hook name per function)."""

    @hookimpl(specname=f"top_{page}")
    def hook(datasette, database):
        return read_only_notice(datasette, database)

    return hook


read_only_database, read_only_table, read_only_row, read_only_query = map(
    notice_at_top_of, ["database", "table", "row", "query"]
)
