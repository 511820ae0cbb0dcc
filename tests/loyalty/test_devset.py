"""The annotated review set is well formed, and the benchmark's metrics are right."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.loyalty.conftest import ROOT

DEV = ROOT / "bench" / "data" / "loyalty" / "dev.jsonl"


def _bench():
    spec = importlib.util.spec_from_file_location("loyalty_bench", ROOT / "bench" / "loyalty.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_annotated_set_is_well_formed():
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == {"id", "split", "source", "lang", "text", "label", "note"}
        assert r["label"] in {"psychological", "behavioral", "none"} and r["note"]
    by = Counter((r["lang"], r["label"]) for r in rows)
    assert all(
        by[(lang, label)] >= 10 for lang in ("ja", "en") for label in ("psychological", "behavioral", "none")
    )
    splits = Counter(r["split"] for r in rows)
    assert all(splits[name] >= 100 for name in ("dev", "heldout1", "heldout2", "heldout3"))


def test_macro_f1_against_hand_computed_values():
    bench = _bench()
    gold = ["psychological", "psychological", "behavioral", "none"]
    pred = ["psychological", "behavioral", "behavioral", "none"]
    # F1: psychological 2/3, behavioural 2/3, none 1.
    assert bench.macro_f1(gold, pred) == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert bench.accuracy(gold, pred) == 0.75


def test_importing_the_classifier_does_not_load_pandas():
    code = "import substitute.loyalty.reviews, sys; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_throughput_is_thousands_per_second(clf):
    rows = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines()]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for text in rows:
            clf.classify(text)
        best = min(best, time.perf_counter() - start)
    assert len(rows) / best > 1000
