"""``python -m partnership.bench`` (``make bench``): build or reuse the programme-scale
database, serve it with gunicorn, load every page with wrk, print the table and write JSON.

Exits 1 when a page misses its target. The database lives in its own instance folder
(``instance-bench/`` by default, or ``INSTANCE_PATH``), or wherever ``DATABASE_URL`` points
(a PostgreSQL database, for example), so the demo in ``instance/`` is never touched.
"""

from __future__ import annotations

import os
import sys
from dataclasses import fields
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]


def _size_options(function):  # noqa: ANN001, ANN202
    from partnership.bench.build import Sizes

    for item in reversed(fields(Sizes)):
        function = click.option(
            f"--{item.name.replace('_', '-')}", type=type(item.default), default=None,
            help=f"default {item.default}",
        )(function)  # fmt: skip
    return function


@click.command()
@click.option("--pages", default="", help="Comma-separated page names (or parts of names).")
@click.option("--seconds", default=5.0, show_default=True, help="Length of each wrk round.")
@click.option("--rounds", default=3, show_default=True)
@click.option("--connections", default=8, show_default=True)
@click.option("--workers", default=2, show_default=True, help="gunicorn workers.")
@click.option(
    "--json", "json_path", default="", help="Where to write JSON (default: in the instance folder)."
)
@click.option("--tiny", is_flag=True, help="A tiny programme (proves the bench works).")
@click.option("--rebuild", is_flag=True, help="Build again even when a database exists.")
@click.option("--build-only", is_flag=True, help="Build (or reuse) the database and stop.")
@_size_options
def main(pages: str, seconds: float, rounds: int, connections: int, workers: int,
         json_path: str, tiny: bool, rebuild: bool, build_only: bool, **sizes_given) -> None:  # fmt: skip
    """Benchmark every page on a programme-scale database."""
    import dataclasses

    instance = Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance-bench")
    os.environ["INSTANCE_PATH"] = str(instance)
    instance.mkdir(parents=True, exist_ok=True)

    from flask_migrate import upgrade

    from partnership import create_app
    from partnership.bench import build, run
    from partnership.bench.pages import resolve_pages
    from partnership.extensions import db

    sizes = build.Sizes.tiny() if tiny else build.Sizes()
    sizes = dataclasses.replace(sizes, **{k: v for k, v in sizes_given.items() if v is not None})
    app = create_app()
    with app.app_context():
        dialect = db.engine.dialect.name
        reuse = not rebuild and build.already_built(sizes)
        db.session.remove()  # release the connection before migrating
        if not reuse:
            _empty_database(instance, dialect)
            upgrade()
            click.echo(f"Building a programme on {dialect} ({sizes})...")
            build.build(sizes, echo=click.echo)
        else:
            upgrade()
            click.echo(f"Reusing the programme already built on {dialect}.")
        if dialect == "postgresql":
            # The planner's statistics, as autovacuum keeps them in production: a database just
            # built, or copied with createdb -T, has none until autovacuum comes by, and its
            # plans are guesses.
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        chosen = resolve_pages()
        db.session.remove()
        # Nothing kept from an earlier run: each page's probe is its cold (first) request.
        from partnership.caching import cache

        cache.clear()
    if build_only:
        return
    if pages:
        wanted = [w.strip().lower() for w in pages.split(",") if w.strip()]
        chosen = [p for p in chosen if p.path == "/login" or any(
            w in f"{p.name} {p.role or ''}".lower() for w in wanted)]  # fmt: skip
    options = run.Options(
        pages=chosen, instance=instance, env={}, seconds=seconds, rounds=rounds,
        connections=connections, workers=workers, echo=click.echo,
    )  # fmt: skip
    results, context = run.run(options)
    click.echo(run.table(results, context))
    target = Path(json_path) if json_path else instance / f"bench-{dialect}.json"
    target.write_text(
        run.to_json(results, context, {"database": dialect, "sizes": dataclasses.asdict(sizes)})
    )
    click.echo(f"JSON: {target}")
    failed = [r for r in results if r.failures]
    if failed:
        click.echo(f"{len(failed)} of {len(results)} pages miss their target.")
        sys.exit(1)


def _empty_database(instance: Path, dialect: str) -> None:
    """Start from an empty database: remove the bench's SQLite file, or drop every table of the
    PostgreSQL database DATABASE_URL names (only ever the bench's own database)."""
    from partnership.bench.build import marker_path
    from partnership.extensions import db

    marker_path().unlink(missing_ok=True)
    if dialect == "sqlite":
        db.session.remove()
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db.engine.url.database}{suffix}").unlink(missing_ok=True)
    else:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


if __name__ == "__main__":
    main()
