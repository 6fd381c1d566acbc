"""The benchmark scripts run end to end in their smoke modes and print finite tables."""

import importlib.util
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The UCI files live beside the repository, never inside it.
DATA_DIR = ROOT.parent / "shared" / "data" / "uci"


def load_script(name):
    # benchmarks/ is a folder of scripts, not a package: load the file directly.
    spec = importlib.util.spec_from_file_location(
        f"_benchmark_{name}", ROOT / "benchmarks" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table_rows(text, heading):
    """The data rows of the Markdown table under ``heading``, split into cells."""
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


def peers_missing(*packages):
    return [p for p in packages if importlib.util.find_spec(p) is None]


def leading_number(cell):
    return float(cell.split("±")[0].split("(")[0])


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason=f"no UCI data folder at {DATA_DIR}")
def test_uci_smoke(tmp_path):
    uci = load_script("uci")
    output = tmp_path / "uci.md"
    # NGBoost belongs to the benchmark environment (`make bench`); without it the
    # smoke run still checks every skprob method and the report.
    methods = [m for m in uci.METHODS if m != "ngboost" or not peers_missing("ngboost")]
    result = uci.main([str(DATA_DIR), "--smoke", "--output", str(output), "--methods", *methods])

    expected = {(name, method) for name in uci.SMOKE_DATASETS for method in methods}
    assert {(r["dataset"], r["method"]) for r in result["records"]} == expected
    for record in result["records"]:
        assert record["error"] is None, record
        assert math.isfinite(record["nll"]) and record["rmse"] > 0 and record["seconds"] >= 0

    text = output.read_text()
    assert text == result["text"]
    short = sorted(uci.DATASETS[name] for name in uci.SMOKE_DATASETS)
    # A comparison is reported only where both sides were run (or published).
    wins = [w for w in uci.WINS if w[1] in methods and (w[2] in uci.PUBLISHED or w[2] in methods)]
    for heading in ("## Test NLL", "## Test RMSE"):
        rows = table_rows(text, heading)
        assert sorted(row[0] for row in rows) == short
        for row in rows:
            ours = [leading_number(cell) for cell in row[1 : 1 + len(methods)]]
            published = [leading_number(c) for c in row[1 + len(methods) : -len(wins)]]
            assert all(math.isfinite(v) for v in ours + published), row
            assert all(cell.split()[0] in {"yes", "no"} for cell in row[-len(wins) :]), row
    assert len(table_rows(text, "## Splits run")) == len(short)

    # The per-split records rebuild the same report without fitting anything.
    lines = output.with_suffix(".jsonl").read_text().splitlines()
    assert len(lines) == 1 + len(expected)
    assert json.loads(lines[0])["datasets"] == list(uci.SMOKE_DATASETS)
    rebuilt = uci.main([str(DATA_DIR), "--report-only", "--output", str(output)])
    assert rebuilt["text"] == text


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason=f"no UCI data folder at {DATA_DIR}")
def test_uci_families_smoke():
    families = load_script("uci_families")
    records = families.main([str(DATA_DIR), "--smoke", "--datasets", "yacht",
                             "--methods", *families.METHODS])
    assert [r["method"] for r in records] == list(families.METHODS)
    assert all(math.isfinite(r["nll"]) for r in records)
    assert records[-1]["chosen"] in records[-1]["selection"]
    # The report pairs each method with the normal on the same splits.
    report = families.report([{**r, "command": "smoke"} for r in records])
    assert "| Yacht | auto |" in report and "| Yacht | histogram |" in report


def test_speed_smoke():
    speed = load_script("speed")
    result = speed.main(["--smoke"])
    missing = peers_missing(*speed.PEER_PACKAGES.values())
    assert [row[0] for row in result["rows"]] == [
        name for name in speed.FITTERS if speed.PEER_PACKAGES.get(name) not in missing]
    assert "sklearn MLPRegressor" in [row[0] for row in result["rows"]]
    for _, seconds, ratio, latency_us in result["rows"]:
        assert all(math.isfinite(v) and v > 0 for v in (seconds, ratio, latency_us))
    assert all(math.isfinite(v) and v > 0 for v in result["big"].values())
    dist_seconds, _ = result["dist"]
    assert math.isfinite(dist_seconds) and dist_seconds > 0
    assert list(result["grid"]) == [
        "n_jobs=1", "n_jobs=2, workers starting", "n_jobs=2, workers running"]
    assert all(math.isfinite(v) and v > 0 for v in result["grid"].values())


@pytest.mark.skipif(bool(peers_missing("lifelines", "sksurv")),
                    reason="lifelines and scikit-survival belong to the benchmark environment")
def test_survival_smoke(tmp_path):
    survival = load_script("survival")
    result = survival.main(["--smoke", "--output", str(tmp_path / "survival.md")])
    assert set(result["results"]) == {"skprob Weibull", "skprob log-normal",
                                      "skprob Weibull, depth=0", "lifelines Weibull AFT",
                                      "lifelines Cox"}
    for name, row in result["results"].items():
        assert 0.5 < row["c"][0] < 1 and 0 < row["ibs"][0] < 0.25, name
    # skprob's metrics agree with lifelines' and scikit-survival's on the same predictions.
    assert max(result["largest_gap"]) < 1e-12


def test_sparse_memory_smoke():
    result = load_script("sparse_memory").main(["--smoke"])
    assert (result["rows"], result["features"], result["nnz"]) == (5000, 1000, 50_000)
    assert result["dense_mb"] == pytest.approx(5000 * 1000 * 8 / 2**20)
    assert result["epochs"] == 1
    assert math.isfinite(result["score_100k"])
    assert result["peak_mb"] >= result["before_mb"] > 0
