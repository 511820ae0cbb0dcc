"""``substitute loyalty classify``: read the loyalty behind reviews.

Input and output are JSON lines, one review per line, so the command sits in
a pipe (``substitute loyalty classify < reviews.jsonl > labels.jsonl``). A line
that cannot be read gets an output line with an ``error`` naming its line
number; the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from substitute.cli.context import AppContext, main


@main.group()
def loyalty() -> None:
    """Read loyalty (psychological, behavioural) from customers' words."""


def _config_dir(ctx: click.Context, override: Path | None) -> Path:
    if override is not None:
        return override
    app = ctx.find_object(AppContext)
    if app is not None and app.config_dir is not None:
        return app.config_dir / "loyalty"
    from substitute.loyalty.reviews import default_config_dir

    return default_config_dir()


def _read_catalogue(path: Path) -> list[dict[str, Any]]:
    from substitute.errors import DataError

    items: list[dict[str, Any]] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{path}, line {number}: not valid JSON ({exc.msg}); fix the catalogue file"
            ) from exc
        if not isinstance(item, dict):
            raise DataError(f"{path}, line {number}: expected an object with brand/maker/model/name")
        items.append(item)
    return items


def _records(stream: IO[bytes]) -> Iterator[tuple[int, Any, str | None, str | None]]:
    """Yield ``(line number, id, text, error)`` for each non-blank input line."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, None, None, f"line {number}: not UTF-8 ({exc.reason} at byte {exc.start})"
            continue
        if not line.strip():
            continue  # blank lines carry no record
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, None, f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(record, dict):
            yield number, None, None, f'line {number}: expected an object like {{"id": ..., "text": ...}}'
            continue
        text = record.get("text")
        if not isinstance(text, str):
            yield number, record.get("id"), None, f'line {number}: "text" must be a string'
            continue
        yield number, record.get("id"), text, None


def _classify_lines(stream: IO[bytes], classify: Any, lang: str) -> Iterator[dict[str, Any]]:
    for number, record_id, text, error in _records(stream):
        if error is not None or text is None:
            yield {"id": record_id, "line": number, "error": error}
            continue
        result = classify(text, lang=lang)
        yield {
            "id": record_id,
            "label": result.label,
            "score": result.score,
            "lang": result.lang,
            "evidence": [e.to_dict() for e in result.evidence],
        }


@loyalty.command("classify")
@click.option(
    "--lang",
    type=click.Choice(["auto", "ja", "en"]),
    default="auto",
    show_default=True,
    help="Lexicon to use; auto picks by script.",
)
@click.option(
    "--catalogue",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON lines of catalogue items (brand, maker, model, name) whose names count as brand mentions.",
)
@click.option(
    "--lexicons",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Directory with cues_ja.toml, cues_en.toml, aliases.toml (default: <config dir>/loyalty).",
)
@click.argument("file", type=click.File("rb"), default="-")
@click.pass_context
def classify(
    ctx: click.Context, lang: str, catalogue: Path | None, lexicons: Path | None, file: IO[bytes]
) -> None:
    """Label each review in FILE (JSON lines {"id", "text"}; stdin if omitted).

    Writes one JSON line per input line: {"id", "label", "score", "lang",
    "evidence"}, or {"id", "line", "error"} for a line that cannot be read.
    Blank lines are skipped. A summary goes to stderr.
    """
    from substitute.loyalty.reviews import ReviewClassifier

    items = _read_catalogue(catalogue) if catalogue is not None else ()
    classifier = ReviewClassifier.from_config(_config_dir(ctx, lexicons), items)
    counts = {"ok": 0, "error": 0}
    for row in _classify_lines(file, classifier.classify, lang):
        counts["error" if "error" in row else "ok"] += 1
        click.echo(json.dumps(row, ensure_ascii=False))
    click.echo(f"classified {counts['ok']} reviews, {counts['error']} unreadable lines", err=True)


@loyalty.command("refresh")
@click.pass_context
def refresh(ctx: click.Context) -> None:
    """Recompute the stored loyalty profiles and item substitutability from the database."""
    from substitute.cli.context import AppContext
    from substitute.nightly.loyalty import refresh_loyalty

    app = ctx.find_object(AppContext)
    assert app is not None
    click.echo(refresh_loyalty(app.engine).render())


def _attach_profile_command() -> None:
    from substitute.cli.loyalty_profile_cmd import profile_command

    loyalty.add_command(profile_command, "profile")


_attach_profile_command()
