"""The results page of the search box in the header, and ``flask search reindex``."""

from __future__ import annotations

import click
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from partnership.extensions import db
from partnership.search import index, services

bp = Blueprint("search", __name__, cli_group="search")


@bp.record_once
def _connect_receivers(_state) -> None:  # noqa: ANN001
    """Rows an import inserts in bulk are indexed as they are written."""
    from partnership.signals import records_bulk_created

    records_bulk_created.connect(index.index_bulk_created)


@bp.get("/search")
def search():  # noqa: ANN201
    text = services.clean_query(request.args.get("q"))
    key = (request.args.get("kind") or "").strip()
    if not text:
        return render_template("search/results.html", q="", groups=None, kind_page=None)
    if key:
        kind_page = services.search_kind(current_user, text, key)
        if kind_page is None:
            abort(404)
        return render_template("search/results.html", q=text, groups=None, kind_page=kind_page)
    groups = services.search_groups(current_user, text)
    return render_template("search/results.html", q=text, groups=groups, kind_page=None)


@bp.cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the tables (after a restore or a bulk load)."""
    count = index.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"Search index rebuilt: {count} entries.")
