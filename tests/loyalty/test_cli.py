"""``substitute loyalty classify``: JSON lines in, JSON lines out, bad lines reported."""

from __future__ import annotations

import json

from click.testing import CliRunner

from substitute.cli.context import main
from substitute.cli.loyalty_cmd import loyalty
from tests.loyalty.conftest import CONFIG

INPUT = (
    '{"id": 1, "text": "色違いでリピート"}\n'.encode()
    + b"this is not json\n"
    + b"\n"
    + b'{"id": "b", "text": "Arrived broken."}\n'
    + b"[1, 2]\n"
    + b'{"id": 7}\n'
    + b"\xff\xfe\n"
    + b'{"id": "c", "text": "Bought these for my commute, very comfortable."}\n'
)


def _rows(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_round_trip_with_malformed_lines(tmp_path):
    path = tmp_path / "reviews.jsonl"
    path.write_bytes(INPUT)
    result = CliRunner().invoke(loyalty, ["classify", "--lexicons", str(CONFIG), str(path)])
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    # One output line per non-blank input line, in input order.
    assert [r.get("id") for r in rows] == [1, None, "b", None, 7, None, "c"]
    assert [r.get("label") for r in rows] == ["psychological", None, "none", None, None, None, "behavioral"]
    errors = {r["line"]: r["error"] for r in rows if "error" in r}
    assert sorted(errors) == [2, 5, 6, 7]
    assert all(message.startswith(f"line {n}:") for n, message in errors.items())
    assert "not valid JSON" in errors[2]
    assert "text" in errors[6]
    first = rows[0]
    assert set(first) == {"id", "label", "score", "lang", "evidence"}
    assert {"span", "text", "cue", "label", "weight"} <= set(first["evidence"][0])
    assert "classified 3 reviews, 4 unreadable lines" in result.stderr


def test_reads_stdin_and_forces_a_language():
    result = CliRunner().invoke(
        loyalty,
        ["classify", "--lexicons", str(CONFIG), "--lang", "en"],
        input='{"id": "x", "text": "my second pair"}\n',
    )
    assert result.exit_code == 0, result.output
    (row,) = _rows(result.stdout)
    assert (row["id"], row["label"], row["lang"]) == ("x", "psychological", "en")
    assert row["evidence"][0]["text"] == "my second"


def test_catalogue_names_and_root_config_dir(tmp_path):
    catalogue = tmp_path / "items.jsonl"
    catalogue.write_text('{"brand": "Suikou", "aliases": ["スイコー"]}\n', encoding="utf-8")
    review = '{"id": 1, "text": "スイコーが好きで購入しました"}\n'
    result = CliRunner().invoke(
        main,
        ["--config-dir", str(CONFIG.parent), "loyalty", "classify", "--catalogue", str(catalogue)],
        input=review,
    )
    assert result.exit_code == 0, result.output
    assert _rows(result.stdout)[0]["label"] == "psychological"


def test_broken_catalogue_is_one_clear_error(tmp_path):
    catalogue = tmp_path / "items.jsonl"
    catalogue.write_text("{nope\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["--config-dir", str(CONFIG.parent), "loyalty", "classify", "--catalogue", str(catalogue)],
        input="",
    )
    assert result.exit_code == 2
    assert "line 1" in result.stderr
