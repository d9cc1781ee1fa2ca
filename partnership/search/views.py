"""The results page of the search box in the header, and ``flask search reindex``."""

from __future__ import annotations

import click
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from partnership.caching import render_kept
from partnership.extensions import db
from partnership.search import index, services

bp = Blueprint("search", __name__, cli_group="search")


@bp.record_once
def _connect_receivers(_state) -> None:  # noqa: ANN001
    """Rows an import inserts in bulk are indexed as they are written."""
    from partnership.signals import records_bulk_created

    records_bulk_created.connect(index.index_bulk_created)


# One search's results are asked for a few times at most (its pages, the back button): kept
# that long, so that searches do not crowd the dashboards' figures out of the cache.
KEEP_SECONDS = 600


@bp.get("/search")
def search():  # noqa: ANN201
    text = services.clean_query(request.args.get("q"))
    key = (request.args.get("kind") or "").strip()
    if not text:
        return render_template(
            "search/results.html",
            q="",
            body=render_template("search/_results_body.html", q="", groups=None, kind_page=None),
        )
    if key and services.kind_for(current_user, key) is None:
        abort(404)

    def context() -> dict:
        if key:
            return {"q": text, "groups": None,
                    "kind_page": services.search_kind(current_user, text, key)}  # fmt: skip
        return {"q": text, "groups": services.search_groups(current_user, text), "kind_page": None}

    # Kept rendered until a write to a table the search read (partnership.caching), for who
    # looks (role, organisation: what they may find) and the address (words, kind, page).
    return render_kept(
        "search/results.html", "search/_results_body.html", context,
        keep_seconds=KEEP_SECONDS, q=text,
    )  # fmt: skip


@bp.cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the tables (after a restore or a bulk load)."""
    count = index.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"Search index rebuilt: {count} entries.")
