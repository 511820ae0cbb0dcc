"""``substitute ingest KIND FILE [--mapping FILE]`` and ``substitute ingest rejoin``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from substitute.cli.context import AppContext, main, pass_app
from substitute.ingest.kinds import KINDS


@main.group(invoke_without_command=False)
def ingest() -> None:
    """Load retailer data (stores, items, customers, sales, inventory, receipts, ...)."""


def _load(app: AppContext, kind: str, path: Path, mapping: Path | None) -> None:
    from substitute.errors import BatchRejected
    from substitute.ingest.pipeline import ingest_file

    try:
        summary = ingest_file(app.engine, kind, path, mapping_path=mapping, settings=app.settings.ingest)
    except BatchRejected as exc:
        if exc.summary is not None:
            click.echo(exc.summary.render())  # type: ignore[attr-defined]
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(3)
    click.echo(summary.render())


for _kind in KINDS:

    def _make(kind: str) -> click.Command:
        @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
        @click.option(
            "--mapping",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A column mapping (TOML) for a non-canonical file; see configs/mappings/.",
        )
        @pass_app
        def command(app: AppContext, file: Path, mapping: Path | None) -> None:
            _load(app, kind, file, mapping)

        command.__doc__ = f"Load {kind} from a CSV, gzipped CSV, zip or Parquet FILE."
        return ingest.command(kind)(command)

    _make(_kind)


@ingest.command("dir")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_app
def ingest_dir(app: AppContext, folder: Path) -> None:
    """Load every canonical <kind>.csv/.csv.gz/.parquet in FOLDER, master data first."""
    from substitute.ingest.pipeline import canonical_files

    files = canonical_files(folder)
    if not files:
        raise click.ClickException(f"{folder} holds no <kind>.csv / .parquet file")
    for kind, path in files:
        _load(app, kind, path, None)


@ingest.command("rejoin")
@pass_app
def ingest_rejoin(app: AppContext) -> None:
    """Load parked rows whose item or store has arrived since."""
    from substitute.ingest.pipeline import rejoin_unmatched

    summaries = rejoin_unmatched(app.engine, settings=app.settings.ingest)
    for s in summaries:
        click.echo(s.render())
    if not summaries:
        click.echo("nothing parked is ready to load")
