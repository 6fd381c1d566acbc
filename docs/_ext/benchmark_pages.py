"""The benchmarks page, written at every build from the files in ``benchmarks/results/``.

The scripts in ``benchmarks/`` write a Markdown report per benchmark and, for the
longer ones, per-split records (``.jsonl``/``.json``). The reports are written for the
record: they say how the records were made and hold every table, some too wide for a
web page. This module writes ``_generated_benchmarks.md`` (included by
``benchmarks.md``) results first: compact tables computed from the per-split records,
a figure, the small reports' own tables, then each protocol, with the full reports and
records offered as downloads. Every number comes from the result files.
"""

import io
import json
import math
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
from api_pages import write_if_changed

HEADER = "<!-- Written by conf.py at every build; do not edit. -->\n\n"
FIGURES = "_generated_benchmarks"  # folder under docs; conf.py excludes ``_generated_*``
MAX_COLUMNS = 7  # wider tables are clipped by the theme
#: Short names of the UCI folders, as the UCI scripts print them.
UCI_NAMES = {
    "bostonHousing": "Boston", "concrete": "Concrete", "energy": "Energy",
    "kin8nm": "Kin8nm", "naval-propulsion-plant": "Naval", "power-plant": "Power",
    "protein-tertiary-structure": "Protein", "wine-quality-red": "Wine", "yacht": "Yacht",
}
#: (record method or published column of uci.md, column label), in table order.
UCI_COLUMNS = (
    ("skprob", "skprob defaults"), ("pbp", "skprob tuned (pbp)"),
    ("ensemble", "deep ensemble"), ("ngboost", "NGBoost here"),
    ("MC dropout paper", "MC dropout paper"), ("Deep Ens. paper", "Deep Ensembles paper"),
)
#: What the ± of a published column is, by the kind uci.md prints in its header.
KINDS = {"se": "± a standard error", "sd": "± a standard deviation",
         "sd?": "± probably a standard deviation"}
FAMILY_ORDER = ("normal", "mixture", "histogram", "auto")
#: Sentences about how a run was carried out (times, processes, resumed or merged
#: records) rather than what it measured: they stay in the result files.
LOGISTICS = re.compile(
    r"UTC|--resume|--merge|--time-budget|notes above|records were made|landed while"
    r"|previous run|processes above"
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*(])")


def write_benchmark_pages(docs_dir, results_dir):
    """Write ``_generated_benchmarks.md`` and its figures from the benchmark results.

    Parameters
    ----------
    docs_dir : path-like
        The documentation source folder; the include file and the figure folder are
        written there, and links are made relative to it.
    results_dir : path-like
        The folder of the reports (``*.md``) and per-split records (``*.jsonl``,
        ``*.json``) written by the scripts in its parent folder.

    Notes
    -----
    A missing file skips its section; when none exists, the page says how to make them.
    Files are rewritten only when their content changes, so that rebuilds stay
    incremental.
    """
    docs_dir, results_dir = Path(docs_dir), Path(results_dir)
    reports = {p.stem: p.read_text(encoding="utf-8") for p in sorted(results_dir.glob("*.md"))}
    uci_header, uci = _read_jsonl(results_dir / "uci.jsonl")
    _, families = _read_jsonl(results_dir / "uci_families.jsonl")
    if not (reports or uci or families):
        text = _how_to_run(results_dir.parent)
    else:
        parts = ["## Results at a glance\n"]
        if uci:
            parts.append(_uci_section(uci, uci_header, reports.get("uci", ""), docs_dir))
        if families:
            parts.append(_families_section(families, reports.get("uci_families", "")))
        if "speed" in reports:
            parts.append(_render_report(reports["speed"], level=3))
        others = [stem for stem in reports if stem not in ("uci", "uci_families", "speed")]
        if others:
            parts.append("## More benchmarks\n")
            parts += [_render_report(reports[stem], level=3) for stem in others]
        parts.append(_protocols_section(reports, results_dir, docs_dir))
        text = "\n".join(parts)
    write_if_changed(docs_dir / "_generated_benchmarks.md", HEADER + text)


def _how_to_run(scripts_dir):
    scripts = sorted(Path(scripts_dir).glob("*.py"))
    others = ", ".join(f"`{s.name}`" for s in scripts if s.name != "speed.py")
    return (
        "No benchmark results have been written in this checkout yet. To produce the "
        "speed comparison, run from the repository root:\n\n"
        "```bash\npython benchmarks/speed.py\n```\n\n"
        "It writes `benchmarks/results/speed.md`, which this page then includes "
        "(`python benchmarks/speed.py --smoke` checks in seconds that the script works)."
        + (f" The other scripts in `benchmarks/` ({others}) work the same way." if others else "")
        + "\n"
    )


# -- reading ------------------------------------------------------------------------------
def _read_jsonl(path):
    """The header (first line without a ``split``, if any) and per-split records of a file."""
    if not path.exists():
        return {}, []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    headers = [line for line in lines if "split" not in line]
    return (headers[0] if headers else {}), [line for line in lines if "split" in line]


def _ordered(datasets):
    """The UCI data sets in the scripts' order, unknown ones last."""
    order = list(UCI_NAMES)
    return sorted(datasets, key=lambda d: order.index(d) if d in order else len(order))


def _blocks(text):
    """Markdown in blocks: headings, tables, fenced code and paragraphs or lists."""
    blocks, current, fenced = [], [], False
    for line in text.splitlines():
        if line.startswith("<!--") and not fenced:  # the scripts' markers of their parts
            continue
        if current and not fenced and _new_block(line, current[-1]):
            blocks.append("\n".join(current))
            current = []
        if line.startswith("```"):
            fenced = not fenced
        if line.strip() or fenced:
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    return blocks + (["\n".join(current)] if current else [])


def _new_block(line, previous):
    # A heading, code or table is a block of its own also without blank lines around
    # it, so that a table is never taken for a paragraph (and filtered as text).
    if line.startswith(("#", "```")) or previous.startswith(("#", "```")):
        return True
    return line.startswith("|") != previous.startswith("|")


def _table(block):
    """(header, rows) of a Markdown table, cells stripped; the rule line dropped."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in block.splitlines()]
    return rows[0], [row for row in rows[2:] if len(row) == len(rows[0])]


def _markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


def _published(report):
    """{dataset: {column: (mean, pm)}} and {column: kind of pm} from uci.md's NLL table."""
    blocks = _blocks(report)
    headings = [i for i, b in enumerate(blocks) if b.startswith("## Test NLL")]
    tables = [b for b in blocks[headings[0]:] if b.startswith("|")] if headings else []
    if not tables:
        return {}, {}
    header, rows = _table(tables[0])
    wanted = {column for column, _ in UCI_COLUMNS}
    columns, kinds = {}, {}
    for index, title in enumerate(header):
        match = re.fullmatch(r"(.+?) \[(.+)\]", title)
        if match and match[1] in wanted:
            columns[match[1]], kinds[match[1]] = index, match[2]
    values = {}
    for row in rows:
        for column, index in columns.items():
            match = re.fullmatch(r"(-?[\d.]+) ± ([\d.]+)", row[index])
            if match:
                values.setdefault(row[0], {})[column] = (float(match[1]), float(match[2]))
    return values, kinds


# -- statistics ---------------------------------------------------------------------------
def _mean_se(values):
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return float(values.mean()), float(se), len(values)


def _summaries(records):
    """{dataset: {method: (mean, se, n)}} of the test NLL, failed fits left out."""
    groups = {}
    for r in records:
        if r.get("error") is None and r.get("nll") is not None and math.isfinite(r["nll"]):
            groups.setdefault(r["dataset"], {}).setdefault(r["method"], []).append(r["nll"])
    return {d: {m: _mean_se(v) for m, v in methods.items()} for d, methods in groups.items()}


def _cell(mean, pm, decimals, note=""):
    pm_text = f" ± {pm:.{decimals}f}" if math.isfinite(pm) else ""
    return f"{mean:.{decimals}f}{pm_text}{note}"


# -- UCI regression -----------------------------------------------------------------------
def _uci_section(records, header, report, docs_dir):
    summary = _summaries(records)
    published, kinds = _published(report)
    columns = [(key, label) for key, label in UCI_COLUMNS
               if any(key in summary[d] or key in published.get(UCI_NAMES.get(d, d), {})
                      for d in summary)]
    rows, panels = [], []
    for dataset in _ordered(summary):
        ours, name = summary[dataset], UCI_NAMES.get(dataset, dataset)
        splits = max(n for _, _, n in ours.values())
        values = {key: ours[key][:2] for key, _ in columns if key in ours}
        values.update({key: published[name][key] for key, _ in columns
                       if key in published.get(name, {})})
        # Published means are printed to 2 decimals: compare everything at that precision.
        best = min(round(mean, 2) for mean, _ in values.values())
        cells = [f"{name} ({splits})"]
        for key, _ in columns:
            if key not in values:
                cells.append("—")
                continue
            n = ours[key][2] if key in ours else splits
            text = _cell(*values[key], 2, f" (n={n})" if n != splits else "")
            cells.append(f"**{text}**" if round(values[key][0], 2) == best else text)
        rows.append(cells)
        panels.append((name, [(label, values.get(key)) for key, label in columns]))
    kinds = {key: KINDS.get(kinds[key], f"± {kinds[key]}") for key, _ in columns if key in kinds}
    papers = "; ".join(f"*{label}*, {kinds[key]}" for key, label in columns if key in kinds)
    hollow = "; hollow markers: the papers, ± as printed" if papers else ""
    papers = papers and f" The papers' numbers are as the report copies them ({papers})."
    figure = _uci_figure(panels, docs_dir / FIGURES / "uci_nll.png")
    members = header.get("settings", {}).get("n_members")
    return (
        "### UCI regression: test NLL\n\n"
        "Test negative log-likelihood per point (nats, in the target's units; lower is "
        f"better) on the standard splits of {len(rows)} UCI data sets: mean ± standard "
        "error over the splits (their number in brackets after the data set), best per row "
        "in bold at the published precision (2 decimals). *skprob defaults* is "
        "`HeteroscedasticRegressor` as shipped; *tuned (pbp)* follows the PBP protocol with "
        "the learning rate and dropout chosen on an inner validation split; *deep "
        f"ensemble* averages {members or 'several'} of those networks; *NGBoost here* ran "
        f"on the same splits.{papers}\n\n"
        + _markdown_table(["data set"] + [label for _, label in columns], rows)
        + f"\n```{{figure}} {FIGURES}/{figure}\n:alt: Test NLL per UCI data set and method, "
        "with error bars\n\nThe table's numbers, one panel per data set (the scales differ); "
        f"bars: ± one standard error{hollow}.\n```\n"
    )


def _uci_figure(panels, path):
    """Per data set, a dot per method with its ± bar; written only when it changed."""
    from matplotlib.figure import Figure  # no pyplot: the build sets no global backend

    cols = 3
    nrows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(9, 2.3 * nrows), layout="constrained")
    axes = fig.subplots(nrows, cols, squeeze=False)
    colours = ["C0", "C1", "C2", "C3", "0.35", "0.6"]
    for ax, (name, entries) in zip(axes.flat, panels, strict=False):
        for y, ((label, value), colour) in enumerate(zip(entries, colours, strict=False)):
            if value is None:
                continue
            published = "paper" in label  # hollow markers: numbers not run here
            ax.errorbar(value[0], y, xerr=value[1] if math.isfinite(value[1]) else None,
                        fmt="o", color=colour, capsize=3, markersize=5,
                        markerfacecolor="white" if published else colour)
        ax.set_title(name, fontsize=10)
        ax.set_yticks(range(len(entries)), [label for label, _ in entries], fontsize=8)
        ax.set_ylim(len(entries) - 0.5, -0.5)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        if ax.get_subplotspec().colspan.start:
            ax.tick_params(labelleft=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    fig.supxlabel("test NLL (nats per point, lower is better)", fontsize=9)
    buffer = io.BytesIO()
    # No software version in the file: the bytes change only with the numbers.
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())
    return path.name


# -- UCI by family ------------------------------------------------------------------------
def _families_section(records, report):
    summary = _summaries(records)
    seen = {r["method"] for r in records}
    methods = [m for m in FAMILY_ORDER if m in seen] + sorted(seen - set(FAMILY_ORDER))
    shown = methods[: MAX_COLUMNS - 2]  # room for the data set and the choices of `auto`
    picks = {d: [r["chosen"] for r in records
                 if r["dataset"] == d and r["method"] == "auto" and r.get("chosen")]
             for d in summary}
    chose, rows = any(picks.values()), []
    for dataset in _ordered(summary):
        values, cells = summary[dataset], [UCI_NAMES.get(dataset, dataset)]
        cells += [_cell(*values[m][:2], 3, f" ({values[m][2]})") if m in values else ""
                  for m in shown]
        if chose:
            counts = Counter(picks[dataset]).most_common()
            cells.append(", ".join(f"{p} ×{n}" for p, n in counts))
        rows.append(cells)
    header = ["data set", *shown] + (["auto chose"] if chose else [])
    left_out = f" The full report also has {', '.join(methods[len(shown):])}." \
        if len(methods) > len(shown) else ""
    return (
        "### UCI regression by family\n\n"
        "The same splits, every model a skprob estimator with its defaults: test NLL "
        "(nats per point, lower is better), mean ± standard error over the splits that "
        "ran (their number in brackets)"
        + (", and the families that `distribution=\"auto\"` chose" if chose else "")
        + ". Methods run on different numbers of splits are averaged over different splits; "
        f"the full report also compares them split by split.{left_out}"
        + (" Its notes, under *Protocols* below, discuss these numbers." if "## Notes" in report
           else "") + "\n\n"
        + _markdown_table(header, rows)
    )


# -- the scripts' reports -----------------------------------------------------------------
def _drop_logistics(block):
    """A paragraph or list without its sentences about how the run was carried out."""
    items = re.split(r"\n(?=[*-] )", block) if re.match(r"[*-] ", block) else [block]
    kept = []
    for item in items:
        bullet = item[:2] if re.match(r"[*-] ", item) else ""
        sentences = SENTENCE_END.split(" ".join(item[len(bullet):].split()))
        sentences = [s for s in sentences if not LOGISTICS.search(s)]
        if sentences:
            kept.append(bullet + " ".join(sentences))
    return "\n".join(kept)


def _transposed(block):
    """A table wider than the page, with at most 3 rows, as one row per column."""
    header, rows = _table(block)
    if len(header) <= MAX_COLUMNS or len(rows) > 3:
        return block  # never dropped: at worst it scrolls
    return _markdown_table([header[0], *(row[0] for row in rows)],
                           [[title, *(row[i] for row in rows)]
                            for i, title in enumerate(header) if i])


def _render_report(text, level):
    """A report with its title at heading ``level``, tables kept, logistics left out."""
    out = []
    for block in _blocks(text):
        if block.startswith("#"):
            out.append("#" * (level - 1) + block)
        elif block.startswith("|"):
            out.append(_transposed(block).rstrip("\n"))
        elif block.startswith("```"):
            out.append(block)
        elif kept := _drop_logistics(block):
            out.append(kept)
    return "\n\n".join(out) + "\n"


def _protocol(text):
    """The report's text before its first table or section, and its ``Notes`` section."""
    out, state = [], "protocol"
    for block in _blocks(text)[1:]:  # not the title
        if block.startswith("## "):
            state = "notes" if block.strip() == "## Notes" else "skip"
        elif block.startswith("|"):
            state = "skip" if state == "protocol" else state
        elif state != "skip":
            kept = block if block.startswith("```") else _drop_logistics(block)
            out += [kept] if kept else []
    return "\n\n".join(out)


def _title(report, default):
    return next((line[2:] for line in report.splitlines() if line.startswith("# ")), default)


def _protocols_section(reports, results_dir, docs_dir):
    def download(path):
        return f"{{download}}`{path.name} <{Path(os.path.relpath(path, docs_dir)).as_posix()}>`"

    parts = ["## Protocols\n"]
    for stem in ("uci", "uci_families"):  # the others are shown whole above
        if stem in reports and (text := _protocol(reports[stem])):
            parts.append(f"### {_title(reports[stem], stem)}\n\nFrom the report (the tables "
                         f"it refers to are in the full report, below):\n\n{text}\n")
    rows = []
    stems = set(reports) | {p.stem for p in results_dir.glob("*.json*")}
    for stem in sorted(stems):
        records = [p for p in (results_dir / f"{stem}.jsonl", results_dir / f"{stem}.json")
                   if p.exists()]
        links = ", ".join(map(download, records)) or "—"
        report = download(results_dir / f"{stem}.md") if stem in reports else "—"
        rows.append([_title(reports.get(stem, ""), stem), f"`benchmarks/{stem}.py`", report,
                     links])
    parts.append(
        "### Files\n\nRun from the repository root, `python benchmarks/<script>` rewrites "
        "the full report (every table, with the settings of the run) and, where there is "
        "one, the per-split records (JSON); its docstring gives the protocol and `--help` its "
        "arguments.\n\n"
        + _markdown_table(["benchmark", "script", "full report", "per-split records"], rows)
    )
    return "\n".join(parts)
