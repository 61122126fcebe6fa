"""What Datasette shows an actor of a database, for the features' pages: one definition of "the tables the actor may
see", which the diagram, compare and publish pages all filter on."""

from datasette.resources import DatabaseResource


async def viewable(datasette, actor, database: str) -> set[str]:
    """The tables and views of database that actor may view (Datasette's view-table permission)."""
    page = await datasette.allowed_resources("view-table", actor, parent=database, limit=1000)
    return {resource.child async for resource in page.all()}


async def listed(datasette, request, db, show_hidden: bool = False) -> set[str]:
    """The tables and views the database page lists to request's actor (who must be able to view db: Datasette's 403
    otherwise): no sqlite_ tables, and no hidden ones (FTS internals, names starting "_") unless show_hidden."""
    await datasette.ensure_permission(
        action="view-database", resource=DatabaseResource(database=db.name), actor=request.actor
    )
    hidden = set() if show_hidden else set(await db.hidden_table_names())
    allowed = await viewable(datasette, request.actor, db.name)
    return {name for name in allowed if name not in hidden and not name.startswith("sqlite_")}
