"""Why a test's outcome differs between two runs: (comparison, pattern on the test's id, pattern on the message of
the run where it failed, reason). Each reason was checked against the failing test's source and message; a
difference that none matches counts as unexplained."""

ROOT = (
    "The plugin makes every request the local owner's, root (actor_from_request, by design: the service worker "
    "relays only the app's own pages)"
)
PLUGIN = [
    (
        r"test_config_cache_size",
        r"cache_size.*-65536",
        "The plugin sets PRAGMA cache_size=-65536 on every connection (prepare_connection): a 64 MB page cache, as "
        "reads from OPFS cost more than from memory",
    ),
    (
        r"test_ttl_parameter|test_table_count::",
        r"private, no-store",
        f"{ROOT}; with an actor on each request Datasette marks the response personal: Cache-Control "
        "'private, no-store' rather than the no-store, max-age or _ttl the test expects",
    ),
    (
        r"test_table_html::",
        r"assert \[\['<td",
        f"{ROOT}, who may edit and delete rows: Datasette adds its row-action buttons to each row's link cell",
    ),
    (
        r"test_api::test_homepage|test_html::test_(homepage|index_metadata|stored_query_with_custom_metadata)"
        r"|test_table_html::test_table_metadata|test_config_queries_imported_to_internal_table",
        r"description_html|IndexError|prettify",
        "The plugin's startup drops HTML descriptions (description_html) from the internal database's metadata and "
        "stored queries (no_live_markup: HTML planted there by a script must not reach a page): the test's "
        "configured description is gone",
    ),
    (
        r"test_auth::|test_docs::|test_plugins::|test_error_shape::|test_token_handler::",
        r"'id': 'root'|'root' ==|KeyError: 'ds_actor'|assert 302 == 200",
        f"{ROOT}, ahead of Datasette's own actor (its cookie, a token, the ASGI scope, another plugin): the actor is "
        "root where the test expects none or its own; already signed in, /-/auth-token sets no cookie and "
        "/-/logout does not redirect",
    ),
    (
        r"test_plugins::test_hook_(database|table|view|row|homepage)_actions",
        r"== \[\]|Homepage actions",
        f"{ROOT}: the action menu items that the test's plugin, Datasette and this plugin (Schema diagram, "
        "Indexes, Publish...) give a signed-in actor show where the test expects none for an anonymous request",
    ),
    (
        r"test_permissions::|test_schema_endpoints::|test_stored_queries::|test_table_api::|test_table_html::"
        r"|test_api_write::|test_auth::|test_error_shape::|test_tasks_endpoint::",
        r"assert (20[01] == 40[134]|40[13] == 20[01])|AssertionError: /|^assert False",
        f"{ROOT}: what Datasette refuses an anonymous request or one without a token (403, 401, or 404 so as not to "
        "tell that it exists) it allows (200, 201)",
    ),
    (
        r"test_permissions::|test_schema_endpoints::|test_stored_queries::|test_column_types::",
        r"not in|0 rows in 0 tables|assert \{",
        f"{ROOT}, who sees what the test expects hidden from an anonymous user: private databases, tables, "
        "queries, the SQL form and the column-type editor",
    ),
    (
        r"test_view_padlock\[/fixtures/two-",
        r"not yet migrated",
        f"{ROOT}: the anonymous request gets 200, so this xpass of Datasette's (a test marked xfail) fails as marked",
    ),
]

APSW_DATASETTE = [
    (
        r"test_allowed_many_more_than_sqlite_compound_select_limit",
        r"nested too deep",
        "SQLite 3.54 refuses this query of 600 common table expressions, each read by a subquery of a VALUES row "
        "('VIEWs and/or subqueries nested too deep'), which 3.40 runs; the same SQL through APSW alone fails alike",
    ),
]

REASONS: list[tuple[str, str, str, str]] = [("plugin", *reason) for reason in PLUGIN]
REASONS += [("apsw-datasette", *reason) for reason in APSW_DATASETTE]
