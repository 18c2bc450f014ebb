"""Experiment ``corpus``: every coder, and the standard library's compressors, on real files.

Question: for each file, how close does each order-0 coder come to the file's
order-0 entropy H0, how much lower are the conditional entropies H1 and H2 (what
a context model could gain), and where do the context-mixing coder ``cm`` and
zlib, bz2 and lzma (all at level 9) land, at what speed?

For each file the result holds H0, H1, H2 (bits per byte, plug-in estimates,
:func:`entropycodec.conditional_entropy`) and, per method, the compressed size
in bits per byte (our coders' totals include their model header) and the
encoding time. Speeds are best-of-``repeat`` wall times of one call on the
whole file in this process (the numba kernels are compiled before timing), and
``delta_vs_zlib`` = t_zlib / t_method: above 1 the method is faster than
zlib -9. Timings live under each method's ``timing`` key, the only part of the
result that differs between two runs.

>>> r = run_corpus([], methods=("huffman",))
>>> r["files"], r["methods"]
([], ['huffman'])
"""

from __future__ import annotations

import bz2
import lzma
import time
import zlib
from pathlib import Path

import numpy as np

from entropycodec.coders import SYMBOL_CODERS, get
from entropycodec.errors import InvalidInputError
from entropycodec.experiments.output import progress, require_matplotlib, save_figure
from entropycodec.views import ExperimentResult

__all__ = ["CORPUS_METHODS", "collect_files", "corpus_figure", "corpus_table", "plot_corpus", "run_corpus"]

OUR_CODERS = SYMBOL_CODERS  # every coder of the registry that codes bytes
STDLIB = {
    "zlib-9": lambda b: zlib.compress(b, 9),
    "bz2-9": lambda b: bz2.compress(b, 9),
    "lzma-9": lambda b: lzma.compress(b, preset=9),
}
CORPUS_METHODS = OUR_CODERS + tuple(STDLIB)
MAX_FILE_BYTES = 64 << 20


def collect_files(paths) -> list[Path]:
    """Files named, and the regular files directly inside named directories, sorted."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        elif p.is_file():
            out.append(p)
        else:
            raise InvalidInputError(f"{p}: no such file or directory")
    return out


def _coder_fn(name: str, cm_level: int):
    """A function bytes -> compressed size in bits for one of our coders.

    A coder with a level is timed on its payload alone: cm at ``cm_level``, the others
    (bwt) at their default level.
    """
    spec = get(name)
    if spec.has_level:
        level = cm_level if name == "cm" else spec.implementation().DEFAULT_LEVEL
        return lambda b: 8 * len(spec.encode(np.frombuffer(b, dtype=np.uint8), level))
    from entropycodec.sequence import encode

    return lambda b: encode(b, coder=name).total_bits


def _stdlib_fn(name: str):
    """A function bytes -> compressed size in bits for one of the standard library's codecs."""
    compress = STDLIB[name]
    return lambda b: 8 * len(compress(b))


def _timed(fn, data: bytes, repeat: int):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(data)
        best = min(best, time.perf_counter() - t0)
    return result, best


def run_corpus(paths, *, methods=CORPUS_METHODS, repeat: int = 1, cm_level: int | None = None,
               show_progress: bool = False) -> dict:
    """Run every method on every file of ``paths`` (files, or directories of files).

    ``cm_level`` defaults to the cm coder's ``DEFAULT_LEVEL``, as for the compressor.
    """
    from entropycodec.coders.cm import DEFAULT_LEVEL
    from entropycodec.measures import conditional_entropy

    cm_level = DEFAULT_LEVEL if cm_level is None else cm_level

    files = collect_files(paths)
    repeat = int(repeat)
    if repeat < 1:
        raise InvalidInputError("repeat must be at least 1")
    unknown = [m for m in methods if m not in CORPUS_METHODS]
    if unknown:
        raise InvalidInputError(f"unknown method(s) {unknown}; choose from {', '.join(CORPUS_METHODS)}")
    ours = [m for m in methods if m in OUR_CODERS]
    names = list(methods)
    fns = {m: _stdlib_fn(m) if m in STDLIB else _coder_fn(m, cm_level) for m in names}
    if files and ours:
        # a short and a long input: the kernels of some coders depend on the length (rANS
        # has one lane below 131072 symbols and four from there on)
        for warm in (b"warm up the numba kernels: " * 40, b"warm up the four lanes. " * 5462):
            for m in ours:
                fns[m](warm)

    rows = []
    with progress(len(files) * (len(names) + 1), "corpus", enabled=show_progress) as bar:
        for path in files:
            data = path.read_bytes()
            if len(data) > MAX_FILE_BYTES:
                raise InvalidInputError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MiB")
            n = len(data)
            row = {"file": path.name, "path": str(path), "bytes": n,
                   "H0": conditional_entropy(data, 0) if n else 0.0,
                   "H1": conditional_entropy(data, 1) if n else 0.0,
                   "H2": conditional_entropy(data, 2) if n else 0.0,
                   "methods": {}}
            bar.update(1)
            for m in names:
                bits, seconds = _timed(fns[m], data, repeat)
                row["methods"][m] = {"bits": bits, "bits_per_byte": bits / n if n else 0.0,
                                     "timing": {"seconds": seconds,
                                                "mb_per_s": n / seconds / 1e6 if seconds else None}}
                bar.update(1)
            t_zlib = row["methods"].get("zlib-9", {}).get("timing", {}).get("seconds")
            for m in names:
                t = row["methods"][m]["timing"]["seconds"]
                row["methods"][m]["timing"]["delta_vs_zlib"] = t_zlib / t if t_zlib and t else None
            rows.append(row)
    return ExperimentResult({
        "experiment": "corpus",
        "params": {"repeat": repeat, "cm_level": cm_level},
        "methods": names,
        "files": rows,
    })


def corpus_table(result: dict, fmt: str = "text") -> str:
    """The result as a table: ``fmt`` is "text" (terminal), "markdown" or "csv".

    Columns: file, bytes, H0, H1, H2, then each method's bits per byte; then a
    second block with each method's speed (MB/s) and delta = t_zlib / t_method.
    """
    methods = result["methods"]
    head = ["file", "bytes", "H0", "H1", "H2"] + [f"{m} bpb" for m in methods]
    head += [f"{m} MB/s" for m in methods] + [f"{m} delta" for m in methods]
    body = []
    for row in result["files"]:
        cells = [row["file"], str(row["bytes"])] + [f"{row[h]:.3f}" for h in ("H0", "H1", "H2")]
        cells += [f"{row['methods'][m]['bits_per_byte']:.3f}" for m in methods]
        for key in ("mb_per_s", "delta_vs_zlib"):
            for m in methods:
                v = row["methods"][m]["timing"][key]
                cells.append("-" if v is None else f"{v:.2f}" if key == "delta_vs_zlib" else f"{v:.1f}")
        body.append(cells)
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(head)
        writer.writerows(body)
        return buf.getvalue()
    if fmt == "markdown":
        n_size = 5 + len(methods)
        size_head = head[:n_size]
        lines = ["Bits per byte (lower is better; H0/H1/H2 are the empirical order-0/1/2 entropies):",
                 "", "| " + " | ".join(size_head) + " |",
                 "|---|" + "---:|" * (len(size_head) - 1)]
        lines += ["| " + " | ".join(c[:n_size]) + " |" for c in body]
        speed_head = ["file"] + [f"{m} MB/s (delta)" for m in methods]
        lines += ["", "Encoding speed in MB/s, and in parentheses delta = t_zlib / t_method "
                  "(above 1: faster than zlib -9):", "",
                  "| " + " | ".join(speed_head) + " |", "|---|" + "---:|" * len(methods)]
        k = len(methods)
        for c in body:
            speeds, deltas = c[n_size:n_size + k], c[n_size + k:]
            lines.append("| " + " | ".join([c[0]] + [f"{s} ({d})" for s, d in zip(speeds, deltas)])
                         + " |")
        return "\n".join(lines) + "\n"
    if fmt != "text":
        raise InvalidInputError(f"table format must be text, markdown or csv, got {fmt!r}")
    # terminal: sizes block, then speeds block, each with aligned columns
    n_size = 5 + len(methods)
    blocks = [(head[:n_size], [c[:n_size] for c in body]),
              (["file"] + [f"{m} MB/s" for m in methods] + [f"{m} delta" for m in methods],
               [[c[0]] + c[n_size:] for c in body])]
    out = []
    for h, rows in blocks:
        widths = [max(len(x) for x in col) for col in zip(h, *rows)]
        out.append("  ".join(x.ljust(w) if i == 0 else x.rjust(w)
                             for i, (x, w) in enumerate(zip(h, widths))))
        for r in rows:
            out.append("  ".join(x.ljust(w) if i == 0 else x.rjust(w)
                                 for i, (x, w) in enumerate(zip(r, widths))))
        out.append("")
    out.append("bpb = bits per byte; delta = t_zlib / t_method (above 1: faster than zlib -9)")
    return "\n".join(out) + "\n"


CLIP_BITS_PER_BYTE = 9.0  # tiny files can cost far more (headers): their bars are cut here


_LABEL_ROW_POINTS = 10


def _label_cut_bars(fig, ax, clipped, top) -> int:
    """Print the true value of each cut bar above the axis; returns the number of label rows.

    Each label goes on the lowest row where it overlaps no label already placed
    (measured with the figure's renderer), so neighbouring values stay readable.
    """
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    gap = 3 * fig.dpi / 72  # at least 6 points of white between two labels of one row
    placed, rows = [], 0
    for _, xi, y in clipped:
        label = ax.annotate(f"{y:.3g}", (xi, top), xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", fontsize=8, color="0.1",
                            annotation_clip=False)
        row = 0
        while True:
            label.xyann = (0, 2 + _LABEL_ROW_POINTS * row)
            box = label.get_window_extent(renderer)
            box = Bbox.from_extents(box.x0 - gap, box.y0, box.x1 + gap, box.y1)
            if not any(box.overlaps(other) for other in placed):
                break
            row += 1
        placed.append(box)
        rows = max(rows, row + 1)
    return rows


def corpus_figure(result: dict):
    """The figure of :func:`plot_corpus`, as a matplotlib Figure (not saved).

    Bars above ``CLIP_BITS_PER_BYTE`` are cut at the top of the axis, hatched,
    and their true value is printed just above the axis in dark horizontal text
    (on as many rows as it takes for neighbouring labels not to overlap).
    """
    plt = require_matplotlib()
    files, methods = result["files"], result["methods"]
    width = 0.8 / max(len(methods), 1)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.2 * len(files) + 3), 4.8))
    cmap = plt.get_cmap("tab10")
    x = np.arange(len(files))
    top = CLIP_BITS_PER_BYTE
    clipped = []  # (file index, bar x, true value)
    for j, m in enumerate(methods):
        ys = [row["methods"][m]["bits_per_byte"] for row in files]
        xs = x - 0.4 + (j + 0.5) * width
        bars = ax.bar(xs, [min(y, top) for y in ys], width, color=cmap(j % 10), label=m)
        for i, (bar, xi, y) in enumerate(zip(bars, xs, ys)):
            if y > top:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
                clipped.append((i, xi, y))
    ax.set_ylim(0, top)
    rows = _label_cut_bars(fig, ax, sorted(clipped), top)
    for i, row in enumerate(files):
        ax.hlines(row["H0"], i - 0.42, i + 0.42, colors="k", linestyles="-", lw=1.2,
                  label="H0 (order-0 entropy)" if i == 0 else None)
        ax.hlines(row["H2"], i - 0.42, i + 0.42, colors="k", linestyles=":", lw=1.2,
                  label="H2 (order-2 conditional)" if i == 0 else None)
    ax.set_xticks(x)
    ax.set_xticklabels([row["file"] for row in files], rotation=30, ha="right")
    ax.set_ylabel("bits per byte (lower is better)")
    ax.set_xlabel("file")
    # room above the axis for two rows of labels of cut bars
    ax.set_title("Compressed size per file: order-0 coders, cm and the standard library",
                 pad=6 + _LABEL_ROW_POINTS * rows)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              title=f"hatched: cut at {top:g} bpb,\nits value above the axis" if clipped else None,
              title_fontsize=7)
    return fig


def plot_corpus(result: dict, path) -> None:
    """Grouped bar chart: bits per byte of every method on every file, with H0 and H2 marked."""
    save_figure(corpus_figure(result), path)
