"""``substitute loyalty profile``: one JSON line per customer × category, bad rows reported by line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from substitute.cli.context import AppContext
from substitute.cli.loyalty_profile_cmd import profile_command
from substitute.errors import DataError

ROOT = Path(__file__).resolve().parents[2]

PURCHASES = """customer_id,timestamp,sku,brand,category,model,colour,price,min_price
c1,2024-05-01,t-red,Teva,sandal,Hurricane,red,60,40
c1,yesterday,t-blue,Teva,sandal,Hurricane,blue,60,40
c1,2024-05-03,t-blue,Teva,sandal,Hurricane,blue,60,40
c1,2024-05-04,,Teva,sandal,Hurricane,green,60,40
c1,2024-05-05,t-green,Teva,sandal,Hurricane,green
c1,2024-05-06,t-black,Teva,sandal,Hurricane,black,60,40
c2,2024-05-01,k1,KEEN,sandal,,,55,
c2,2024-05-02,c1,Chaco,sandal,,,abc,
c2,2024-05-03,c1,Chaco,sandal,,,50,
c2,2024-06-01T10:00:00Z,b1,Birken,boot,,,90,80
c2,12,b2,Birken,boot,,,90,80
"""
# Lines 3 (timestamp), 5 (no sku), 6 (field count), 9 (price), 12 (timestamp kind) are bad.
BAD_LINES = {3: "timestamp", 5: "no sku", 6: "fields", 9: "price", 12: "timestamp"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def run(args: list[str]) -> click.testing.Result:
    return CliRunner().invoke(profile_command, args)


def test_one_line_per_customer_and_category_and_bad_rows_by_line(tmp_path):
    result = run(["--purchases", str(write(tmp_path, "purchases.csv", PURCHASES))])
    assert result.exit_code == 0, result.output
    out = rows(result.stdout)
    assert [(r["customer_id"], r["category"]) for r in out] == [
        ("c1", "sandal"),
        ("c2", "boot"),
        ("c2", "sandal"),
    ]
    for number, reason in BAD_LINES.items():
        lines = [line for line in result.stderr.splitlines() if f"purchases.csv, line {number}:" in line]
        assert len(lines) == 1, (number, result.stderr)
        assert reason in lines[0]
    assert "purchases: 6 of 11 rows used, 5 rejected" in result.stderr
    c1 = out[0]
    assert c1["evidence"]["n_purchases"] == 3
    # Rows kept: red, blue, black of one model: two new colours of it.
    assert c1["signals"]["n_colour_variants"] == 2
    assert c1["signals"]["n_model_repeats"] == 0
    assert c1["brand"] == "Teva"
    assert {"type", "leaning", "strength", "confidence", "psychological", "prior"} <= set(c1)


def test_writes_the_out_file_whole(tmp_path):
    out = tmp_path / "profiles.jsonl"
    result = run(["--purchases", str(write(tmp_path, "p.csv", PURCHASES)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert len(rows(out.read_text(encoding="utf-8"))) == 3
    # No temporary file is left beside the output.
    assert {p.name for p in tmp_path.iterdir()} == {"p.csv", "profiles.jsonl"}


def test_strict_fails_on_any_rejected_row(tmp_path):
    result = run(["--purchases", str(write(tmp_path, "p.csv", PURCHASES)), "--strict"])
    assert result.exit_code != 0
    assert isinstance(result.exception, DataError)
    assert "5 input row(s) rejected" in str(result.exception)


def test_missing_column_names_it(tmp_path):
    path = write(tmp_path, "p.csv", "customer_id,timestamp,sku,category\nc,1,s,x\n")
    result = run(["--purchases", str(path)])
    assert isinstance(result.exception, DataError)
    assert "brand" in str(result.exception)


def test_reviews_and_events(tmp_path):
    purchases = write(tmp_path, "p.csv", PURCHASES)
    reviews = write(
        tmp_path,
        "r.csv",
        "customer_id,sku,category,label\n"
        "c1,t-red,sandal,psychological\n"
        "c1,t-blue,sandal,behavioural\n"
        "c2,k1,sandal,maybe\n"
        "c3,x,kimono,none\n",
    )
    events = write(
        tmp_path,
        "e.csv",
        "customer_id,sku,offered_sku,event_type,brand,offered_brand,category\n"
        "c2,k1,c1,accepted,KEEN,Chaco,\n"
        "c2,zz,c1,declined,KEEN,Chaco,\n"
        "c2,b1,b2,Declined,Birken,Birken,boot\n",
    )
    result = run(["--purchases", str(purchases), "--reviews", str(reviews), "--events", str(events)])
    assert result.exit_code == 0, result.output
    assert "r.csv, line 4: label 'maybe'" in result.stderr
    assert "e.csv, line 3: no category, and sku 'zz'" in result.stderr
    out = {(r["customer_id"], r["category"]): r for r in rows(result.stdout)}
    assert set(out) == {("c1", "sandal"), ("c2", "boot"), ("c2", "sandal"), ("c3", "kimono")}
    assert out[("c1", "sandal")]["evidence"]["n_reviews"] == {"psychological": 1, "behavioral": 1, "none": 0}
    assert out[("c2", "sandal")]["evidence"]["n_offers_accepted"] == 1  # category looked up from sku k1
    assert out[("c2", "boot")]["evidence"]["n_offers_declined"] == 1
    assert out[("c3", "kimono")]["evidence"]["n_purchases"] == 0


def test_review_texts_are_classified(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSTITUTE_CONFIG_DIR", str(ROOT / "configs"))
    purchases = write(tmp_path, "p.csv", PURCHASES)
    reviews = write(
        tmp_path,
        "r.jsonl",
        '{"customer_id": "c1", "sku": "t-red", "category": "sandal", "text": "色違いでリピートしました"}\n'
        "not json\n"
        '{"customer_id": "c1", "sku": "t-blue", "category": "sandal", "label": "none"}\n',
    )
    result = run(["--purchases", str(purchases), "--reviews", str(reviews)])
    assert result.exit_code == 0, result.output
    assert "r.jsonl, line 2: not valid JSON" in result.stderr
    c1 = next(r for r in rows(result.stdout) if r["customer_id"] == "c1")
    assert c1["evidence"]["n_reviews"] == {"psychological": 1, "behavioral": 0, "none": 1}


def test_json_lines_purchases_and_config_dir_from_the_group(tmp_path):
    lines = [
        {"customer_id": 7, "timestamp": i, "sku": "s", "brand": "A", "category": "x"} for i in range(6)
    ] + [{"customer_id": 7, "timestamp": 9, "sku": "s", "brand": ["A"], "category": "x"}]
    purchases = write(tmp_path, "p.jsonl", "\n".join(json.dumps(r) for r in lines) + "\n")
    config_dir = tmp_path / "configs"
    (config_dir / "loyalty").mkdir(parents=True)
    (config_dir / "loyalty" / "profile.toml").write_text("[prior]\nstrength = 3.0\n")

    @click.group()
    @click.pass_context
    def group(ctx: click.Context) -> None:
        ctx.obj = AppContext(config_dir=config_dir)

    group.add_command(profile_command)
    result = CliRunner().invoke(group, ["profile", "--purchases", str(purchases)])
    assert result.exit_code == 0, result.output
    (row,) = rows(result.stdout)
    assert row["customer_id"] == "7"  # external ids stay strings
    assert row["prior"]["strength"] == 3.0
    assert "p.jsonl, line 7: brand must be a single value" in result.stderr


def test_output_is_deterministic(tmp_path):
    path = write(tmp_path, "p.csv", PURCHASES)
    first, second = run(["--purchases", str(path)]), run(["--purchases", str(path)])
    assert first.stdout == second.stdout


def test_undecodable_row_is_reported(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"customer_id,timestamp,sku,brand,category\nc,1,s,A,x\nc,2,s,\xff\xfe,x\n")
    result = run(["--purchases", str(path)])
    assert result.exit_code == 0, result.output
    assert "p.csv, line 3: not valid UTF-8" in result.stderr


@pytest.mark.parametrize("module", ["substitute.cli.loyalty_profile_cmd"])
def test_command_module_is_light(module):
    code = f"import {module}, sys; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
