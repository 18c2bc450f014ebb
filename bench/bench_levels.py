"""Benchmark: the compression levels -1 .. -9 beside gzip, bzip2, xz, zstd, brotli and zpaq.

Question: on every file of the Canterbury and Large Canterbury corpora, one thread,
how large is ``entropycodec.compress(data, level)`` at each level and how fast does it
compress and decompress, next to the compressors a user already has, in the same
process on the same bytes? Does the ladder meet the targets of the levels issue?

Targets (issue 12; the default level is ``entropycodec.container.levels.DEFAULT_LEVEL``):

* default level, on every text file (alice29.txt asyoulik.txt cp.html fields.c
  grammar.lsp lcet10.txt plrabn12.txt xargs.1 bible.txt world192.txt): smaller than
  gzip -9 and bzip2 -9; over those files in total at most 0.9x bzip2 -9's size;
  compress speed at least bzip2 -9's and decompress speed at least 2x bzip2 -9's (MB/s
  over the text total);
* -1 on bible.txt: at least 250 MB/s both ways, size within 0.1% of n H0 / 8 bytes;
* -9 no larger than the cm coder at its default level (``coder="cm", level=7``) on any file;
* levels monotone on the corpus total (all files): each level no larger than the one below;
* threads=2 on a file of several blocks (bible.txt repeated to 16 MiB, the level's
  block size): at least 1.7x the one-thread speed at every level, both ways, with
  byte-identical output. A two-process control (``bench_compress.parallelism_control``)
  says how much parallelism the shared machine had during the run.

Method: the peers are the Python modules in this process: gzip (``gzip.compress``,
level 9, mtime 0: the gzip format), bz2 (bzip2 -9), lzma (xz -6 and xz -9, the .xz
format), zstandard (-3, -19), brotli (quality 11, its command-line default) and zpaq
(libzpaq methods 3 and 5, threads=1). Per file, every method compresses and
decompresses once per round, round robin, so load from other processes hits all alike;
each keeps its best time; a method whose first round took over ``SLOW_RUN_SECONDS``
(cm and zpaq -5 on the large files) is measured once, and one whose best round is under
``FAST_RUN_SECONDS`` gets ``FAST_ROUNDS`` rounds (the same in the threads test, for a level
whose four calls take under 4 ``FAST_RUN_SECONDS``). Every round trip is checked.
MB/s are 10^6 input bytes per second; speeds over a set of files are total bytes over
total best seconds. Kernels are compiled and warm before timing.

    python bench/bench_levels.py                       # full run (about 10 minutes, 2 cores)
    python bench/bench_levels.py --smoke --out-dir DIR # one small file, levels 1 and 6 (seconds)

Writes bench/results/levels.json, levels.md and levels.png (size against speed).
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import lzma
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchlib, also when loaded by path
from benchlib import REPO, RESULTS, SHARED_CORPORA, _script, machine_info  # noqa: E402

import entropycodec  # noqa: E402
from entropycodec.container.levels import DEFAULT_LEVEL, LEVELS  # noqa: E402

TEXT_FILES = ("alice29.txt", "asyoulik.txt", "cp.html", "fields.c", "grammar.lsp", "lcet10.txt",
              "plrabn12.txt", "xargs.1", "bible.txt", "world192.txt")
SMOKE_FILE = REPO / "corpora" / "markov.txt"
SMOKE_LEVELS = (1, 6)
SMOKE_PEERS = ("gzip-9", "bzip2-9", "zstd-3")
SLOW_RUN_SECONDS = 1.0     # compress + decompress of one file: above this, measured once
# Below this (compress + decompress), a method gets FAST_ROUNDS rounds instead of --rounds:
# a 20 ms call is hit hardest by this shared machine's noise (level 1 on bible.txt measured
# 218 MB/s as the best of 3 in one run, 255 as the best of 15 in the next), and 15 rounds
# of it cost less than one round of cm.
FAST_RUN_SECONDS = 0.25
FAST_ROUNDS = 15
THREAD_SLOW_SECONDS = 12.0  # one round of a level (1 and 2 threads, both ways): above, 2 rounds
THREAD_FILE_BYTES = 16 * (1 << 20)
CM_REFERENCE = ("cm", 7)   # today's cm at its default level: what -9 must not lose to

TARGETS = {
    "default_smaller_than_gzip9_every_text_file": ("max ratio default / gzip-9", "<", 1.0),
    "default_smaller_than_bzip2_9_every_text_file": ("max ratio default / bzip2-9", "<", 1.0),
    "default_total_vs_bzip2_9": ("text total default / bzip2-9", "<=", 0.9),
    "default_compress_speed_vs_bzip2_9": ("MB/s ratio default / bzip2-9", ">=", 1.0),
    "default_decompress_speed_vs_bzip2_9": ("MB/s ratio default / bzip2-9", ">=", 2.0),
    "level1_compress_mb_s_bible": ("MB/s", ">=", 250.0),
    "level1_decompress_mb_s_bible": ("MB/s", ">=", 250.0),
    "level1_excess_over_nH0_bible": ("size / (n H0 / 8) - 1", "<=", 0.001),
    "level9_vs_cm7_every_file": ("max ratio -9 / cm level 7", "<=", 1.0),
    "levels_monotone_corpus_total": ("max ratio level L / level L-1", "<=", 1.0),
    "threads2_compress_speedup_every_level": ("min speedup", ">=", 1.7),
    "threads2_decompress_speedup_every_level": ("min speedup", ">=", 1.7),
}


class MissingPeer(Exception):
    pass


# -- the methods ------------------------------------------------------------------------------

def ours(level: int):
    return (lambda d: entropycodec.compress(d, level), entropycodec.decompress)


def peer(name: str):
    """(compress, decompress) of a peer, or MissingPeer saying why it cannot run."""
    family, level = name.rsplit("-", 1)
    level = int(level)
    if family == "gzip":
        return (lambda d: gzip.compress(d, level, mtime=0), gzip.decompress)
    if family == "bzip2":
        return (lambda d: bz2.compress(d, level), bz2.decompress)
    if family == "xz":
        return (lambda d: lzma.compress(d, preset=level), lzma.decompress)
    if family == "zstd":
        try:
            import zstandard
        except ImportError:
            raise MissingPeer("zstandard is not installed (pip install 'entropycodec[bench]')") from None
        cctx, dctx = zstandard.ZstdCompressor(level=level), zstandard.ZstdDecompressor()
        return (cctx.compress, dctx.decompress)
    if family == "brotli":
        try:
            import brotli
        except ImportError:
            raise MissingPeer("brotli is not installed (pip install brotli)") from None
        return (lambda d: brotli.compress(d, quality=level), brotli.decompress)
    if family == "zpaq":
        try:
            import zpaq
        except ImportError:
            raise MissingPeer("zpaq is not installed (pip install zpaq)") from None
        return (lambda d: zpaq.compress(d, level=level, threads=1),
                lambda z: zpaq.decompress(z, threads=1))
    raise ValueError(name)


PEERS = ("gzip-9", "bzip2-9", "xz-6", "xz-9", "zstd-3", "zstd-19", "brotli-11", "zpaq-3", "zpaq-5")


def build_methods(levels, peers):
    methods, missing = {}, {}
    for level in levels:
        methods[f"ec-{level}"] = ours(level)
    for name in peers:
        try:
            methods[name] = peer(name)
        except MissingPeer as exc:
            missing[name] = str(exc)
    return methods, missing


# -- measuring --------------------------------------------------------------------------------

def measure_file(data: bytes, methods: dict, rounds: int, fast_rounds: int = FAST_ROUNDS) -> dict:
    """{method: bytes, compress_seconds, decompress_seconds}: round robin, best of ``rounds``
    (``fast_rounds`` for a method under FAST_RUN_SECONDS)."""
    best = {name: [math.inf, math.inf] for name in methods}
    size = {}
    for r in range(max(rounds, fast_rounds)):
        for name, (comp, decomp) in methods.items():
            b = best[name]
            if r and b[0] + b[1] > SLOW_RUN_SECONDS:
                continue
            if r >= rounds and b[0] + b[1] > FAST_RUN_SECONDS:
                continue
            t0 = time.perf_counter()
            blob = comp(data)
            t1 = time.perf_counter()
            out = decomp(blob)
            t2 = time.perf_counter()
            if r == 0:
                if out != data:
                    raise SystemExit(f"bench_levels.py: {name}: round trip failed on {len(data)} bytes")
                size[name] = len(blob)
            b[0], b[1] = min(b[0], t1 - t0), min(b[1], t2 - t1)
    return {name: {"bytes": size[name], "compress_seconds": best[name][0],
                   "decompress_seconds": best[name][1]} for name in methods}


def h0_bits(data: bytes) -> float:
    """n H0: the order-0 entropy of the bytes times their number, in bits."""
    counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
    c = counts[counts > 0].astype(np.float64)
    return float(-(c * np.log2(c / len(data))).sum()) if len(data) else 0.0


def summarize(files: dict, names) -> dict:
    """Totals over ``names`` (files measured): bytes, bits per byte, MB/s both ways."""
    out = {}
    methods = next(iter(files.values()))["methods"] if files else {}
    n = sum(files[f]["bytes"] for f in names)
    for m in methods:
        rows = [files[f]["methods"][m] for f in names]
        size = sum(r["bytes"] for r in rows)
        out[m] = {"bytes": size, "bits_per_byte": 8 * size / n,
                  "compress_mb_s": n / sum(r["compress_seconds"] for r in rows) / 1e6,
                  "decompress_mb_s": n / sum(r["decompress_seconds"] for r in rows) / 1e6}
    return {"input_bytes": n, "files": list(names), "methods": out}


def thread_test(seed: bytes, size: int, levels, *, block_size=None, rounds: int = 3,
                fast_rounds: int = FAST_ROUNDS, control=None) -> dict:
    """threads=1 against threads=2 at every level on ``seed`` repeated to ``size`` bytes.

    The two settings alternate, so both meet the same share of quiet moments; a level
    whose first round took over ``THREAD_SLOW_SECONDS`` gets two rounds, not ``rounds``.
    ``control()``, when given, runs before each level (the parallelism the machine had)."""
    data = (seed * (size // len(seed) + 1))[:size]
    rows = {}
    for level in levels:
        bs = block_size or LEVELS[level].block_size
        best = {1: [math.inf, math.inf], 2: [math.inf, math.inf]}
        outs = {}
        two_process = control() if control else None
        done = 0
        for r in range(max(rounds, fast_rounds)):
            if r >= 2 and sum(best[1]) + sum(best[2]) > THREAD_SLOW_SECONDS:
                break
            if r >= rounds and sum(best[1]) + sum(best[2]) > 4 * FAST_RUN_SECONDS:
                break
            done += 1
            for threads in (1, 2):
                t0 = time.perf_counter()
                packed = entropycodec.compress(data, level, threads=threads, block_size=block_size)
                t1 = time.perf_counter()
                out = entropycodec.decompress(packed, threads=threads)
                t2 = time.perf_counter()
                if r == 0:
                    if out != data:
                        raise SystemExit(f"bench_levels.py: level {level}, threads={threads}: "
                                         "round trip failed")
                    outs[threads] = packed
                b = best[threads]
                b[0], b[1] = min(b[0], t1 - t0), min(b[1], t2 - t1)
        rows[str(level)] = {
            "block_size": bs, "blocks": -(-size // bs), "bytes_out": len(outs[1]),
            "identical_output": outs[1] == outs[2], "rounds": done,
            "two_process_control": two_process,
            "compress_mb_s": {str(t): size / best[t][0] / 1e6 for t in (1, 2)},
            "decompress_mb_s": {str(t): size / best[t][1] / 1e6 for t in (1, 2)},
            "compress_speedup": best[1][0] / best[2][0],
            "decompress_speedup": best[1][1] / best[2][1],
        }
        print(f"threads level {level}: x{rows[str(level)]['compress_speedup']:.2f} compress, "
              f"x{rows[str(level)]['decompress_speedup']:.2f} decompress "
              f"(control {two_process})", file=sys.stderr)
    return {"bytes": size, "levels": rows}


# -- the targets ------------------------------------------------------------------------------

def check_targets(res: dict) -> dict:
    files, text = res["files"], res["summary"]["text"]["methods"]
    default = f"ec-{res['params']['default_level']}"
    values = {}

    def worst(peer_name):
        if default not in text or peer_name not in text:
            return None
        ratios = {f: files[f]["methods"][default]["bytes"] / files[f]["methods"][peer_name]["bytes"]
                  for f in res["summary"]["text"]["files"]}
        f = max(ratios, key=ratios.get)
        return ratios[f], [g for g, r in ratios.items() if r >= 1.0]

    for key, p in (("default_smaller_than_gzip9_every_text_file", "gzip-9"),
                   ("default_smaller_than_bzip2_9_every_text_file", "bzip2-9")):
        w = worst(p)
        if w:
            values[key] = {"value": w[0], "where": "not smaller on: " + (", ".join(w[1]) or "none")}
    if default in text and "bzip2-9" in text:
        d, b = text[default], text["bzip2-9"]
        values["default_total_vs_bzip2_9"] = {"value": d["bytes"] / b["bytes"]}
        values["default_compress_speed_vs_bzip2_9"] = {
            "value": d["compress_mb_s"] / b["compress_mb_s"],
            "where": f"{d['compress_mb_s']:.1f} vs {b['compress_mb_s']:.1f} MB/s"}
        values["default_decompress_speed_vs_bzip2_9"] = {
            "value": d["decompress_mb_s"] / b["decompress_mb_s"],
            "where": f"{d['decompress_mb_s']:.1f} vs {b['decompress_mb_s']:.1f} MB/s"}
    if "bible.txt" in files and "ec-1" in files["bible.txt"]["methods"]:
        row, f = files["bible.txt"]["methods"]["ec-1"], files["bible.txt"]
        values["level1_compress_mb_s_bible"] = {"value": f["bytes"] / row["compress_seconds"] / 1e6}
        values["level1_decompress_mb_s_bible"] = {
            "value": f["bytes"] / row["decompress_seconds"] / 1e6}
        values["level1_excess_over_nH0_bible"] = {
            "value": 8 * row["bytes"] / f["h0_bits"] - 1,
            "where": f"{row['bytes']} bytes, n H0 / 8 = {f['h0_bits'] / 8:.0f}"}
    if res.get("cm_reference") and all("ec-9" in f["methods"] for f in files.values()):
        ratios = {name: f["methods"]["ec-9"]["bytes"] / res["cm_reference"][name]
                  for name, f in files.items()}
        name = max(ratios, key=ratios.get)
        values["level9_vs_cm7_every_file"] = {
            "value": ratios[name], "where": f"largest ratio on {name}; identical bytes on "
            f"{sum(r == 1.0 for r in ratios.values())} of {len(ratios)} files"}
    levels = res["params"]["levels"]
    every = res["summary"]["all"]["methods"]
    steps = [(f"{lv}/{lv - 1}", every[f"ec-{lv}"]["bytes"] / every[f"ec-{lv - 1}"]["bytes"])
             for lv in levels if f"ec-{lv - 1}" in every]
    if steps:
        where, value = max(steps, key=lambda s: s[1])
        values["levels_monotone_corpus_total"] = {"value": value, "where": f"levels {where}"}
    threads = res.get("threads", {}).get("levels", {})
    for what in ("compress", "decompress"):
        if threads:
            level = min(threads, key=lambda lv: threads[lv][f"{what}_speedup"])
            values[f"threads2_{what}_speedup_every_level"] = {
                "value": threads[level][f"{what}_speedup"], "where": f"level {level}"}
    for key, v in values.items():
        _, op, bound = TARGETS[key]
        v["bound"], v["op"] = bound, op
        v["met"] = {"<": v["value"] < bound, "<=": v["value"] <= bound,
                    ">=": v["value"] >= bound}[op]
    if threads and "threads2_compress_speedup_every_level" in values:
        same = all(r["identical_output"] for r in threads.values())
        values["threads2_compress_speedup_every_level"]["identical_output"] = same
        values["threads2_compress_speedup_every_level"]["met"] &= same
    return values


# -- reporting --------------------------------------------------------------------------------

def markdown(res: dict) -> str:
    p = res["params"]
    lines = ["# Compression levels beside gzip, bzip2, xz, zstd, brotli and zpaq", "",
             "Question: size and one-thread speed of `entropycodec.compress(data, level)` at "
             "every level, beside the peers in the same process; the targets of the levels "
             f"issue. Default level: {p['default_level']}. Timing: best of {p['rounds']} "
             f"round-robin rounds (a method over {SLOW_RUN_SECONDS:g} s on a file: once; "
             f"one under {FAST_RUN_SECONDS:g} s: best of {p.get('fast_rounds', p['rounds'])}). "
             "MB/s = 10^6 input bytes per second.", "",
             "## Targets", "",
             "| target | measured | bound | where | met |", "|---|---:|---:|---|---|"]
    for key, v in res["targets"].items():
        what = TARGETS[key][0]
        lines.append(f"| {key} ({what}) | {v['value']:.4g} | {v['op']} {v['bound']:g} | "
                     f"{v.get('where', '')} | {'yes' if v['met'] else '**no**'} |")
    inversions = [f"{f} (level {lv}: {row['methods'][f'ec-{lv}']['bytes']} > level {lv - 1}: "
                  f"{row['methods'][f'ec-{lv - 1}']['bytes']})"
                  for f, row in res["files"].items() for lv in p["levels"]
                  if f"ec-{lv - 1}" in row["methods"]
                  and row["methods"][f"ec-{lv}"]["bytes"] > row["methods"][f"ec-{lv - 1}"]["bytes"]]
    if inversions:
        lines += ["", "Per file (not a target), a level larger than the one below: "
                  + "; ".join(inversions) + "."]
    if res["missing"]:
        lines += ["", "Not run: " + "; ".join(f"{k} ({v})" for k, v in res["missing"].items())]
    for key, title in (("text", "Text files"), ("all", "All files")):
        s = res["summary"][key]
        if not s["files"]:
            continue
        ref = s["methods"].get("bzip2-9")
        lines += ["", f"## {title} together ({len(s['files'])} files, {s['input_bytes']:,} bytes)",
                  "", "| method | bytes | bits/byte | / bzip2-9 | compress MB/s | decompress MB/s |",
                  "|---|---:|---:|---:|---:|---:|"]
        for m, r in s["methods"].items():
            rel = f"{r['bytes'] / ref['bytes']:.3f}" if ref else ""
            lines.append(f"| {m} | {r['bytes']:,} | {r['bits_per_byte']:.3f} | {rel} | "
                         f"{r['compress_mb_s']:.2f} | {r['decompress_mb_s']:.2f} |")
    names = list(next(iter(res["files"].values()))["methods"])
    lines += ["", "## Bytes per file", "", "Text files are marked *; H0 column: n H0 / 8 bytes.", "",
              "| file | bytes | nH0/8 | " + " | ".join(names)
              + (" | cm-7 |" if res.get("cm_reference") else " |"),
              "|---|---:|---:|" + "---:|" * (len(names) + bool(res.get("cm_reference")))]
    for f, row in res["files"].items():
        star = "*" if f in TEXT_FILES else ""
        cells = [str(row["methods"][m]["bytes"]) for m in names]
        if res.get("cm_reference"):
            cells.append(str(res["cm_reference"][f]))
        lines.append(f"| {f}{star} | {row['bytes']} | {row['h0_bits'] / 8:.0f} | "
                     + " | ".join(cells) + " |")
    t = res.get("threads")
    if t:
        lines += ["", f"## threads=2 against threads=1 ({t['bytes']:,} bytes: "
                  f"{p['thread_seed']} repeated)", "",
                  "control: the speedup two independent processes got just before the level "
                  "was timed (ideal 2.0; below it, the shared machine was busy). Rounds: best of.",
                  "", "| level | block size | blocks | rounds | control | compress MB/s 1T | 2T | "
                  "speedup | decompress MB/s 1T | 2T | speedup | identical |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for lv, r in t["levels"].items():
            ctrl = r.get("two_process_control")
            lines.append(
                f"| {lv} | {r['block_size']:,} | {r['blocks']} | {r['rounds']} | "
                f"{'' if ctrl is None else f'{ctrl:.2f}'} | {r['compress_mb_s']['1']:.2f} | "
                f"{r['compress_mb_s']['2']:.2f} | {r['compress_speedup']:.2f} | "
                f"{r['decompress_mb_s']['1']:.2f} | {r['decompress_mb_s']['2']:.2f} | "
                f"{r['decompress_speedup']:.2f} | {'yes' if r['identical_output'] else '**no**'} |")
    if p.get("figure"):
        lines += ["", f"![size against speed]({p['figure']})"]
    return "\n".join(lines) + "\n"


def figure(res: dict, path: Path) -> None:
    """Bits per byte against compress and decompress speed (log axis) over the text total."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    s = res["summary"]["text" if res["summary"]["text"]["files"] else "all"]["methods"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5), sharey=True)
    for ax, what in zip(axes, ("compress", "decompress")):
        levels = [m for m in s if m.startswith("ec-")]
        xs = [s[m][f"{what}_mb_s"] for m in levels]
        ys = [s[m]["bits_per_byte"] for m in levels]
        ax.plot(xs, ys, "-o", color="tab:blue", label="entropycodec -1 .. -9", zorder=3)
        for m, x, y in zip(levels, xs, ys):
            ax.annotate("-" + m.split("-")[1], (x, y), textcoords="offset points", xytext=(5, 4),
                        fontsize=9, color="tab:blue")
        # labels of neighbouring peers (by size) alternate below and above their points
        peers = sorted((m for m in s if not m.startswith("ec-")), key=lambda m: s[m]["bits_per_byte"])
        for rank, m in enumerate(peers):
            x, y = s[m][f"{what}_mb_s"], s[m]["bits_per_byte"]
            ax.scatter(x, y, marker="^", color="tab:orange", edgecolor="k", lw=0.5, zorder=3)
            ax.annotate(m, (x, y), textcoords="offset points", xytext=(5, -10 if rank % 2 else 5),
                        fontsize=8)
        ax.scatter([], [], marker="^", color="tab:orange", label="peers")
        ax.set_xscale("log")
        ax.set_xlabel(f"{what} speed, MB/s (log scale, one thread)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper center", fontsize=8)
    axes[0].set_ylabel("bits per byte over the text files (lower is smaller)")
    fig.suptitle("Size against speed: every level and every peer, text files of the "
                 "Canterbury and Large Canterbury corpora")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def write(out: Path, res: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "levels.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    m = res["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    footer = (f"\n\nMachine: {m['cpu']}, {m['logical_cores']} logical cores, Python {m['python']}, "
              f"{versions}, zlib {m['zlib']}; {m['date_utc']} UTC. "
              f"Generated by bench/{_script('bench_levels')}; do not edit.\n")
    (out / "levels.md").write_text(markdown(res).rstrip() + footer, encoding="utf-8")


# -- the run ----------------------------------------------------------------------------------

def corpus_paths(smoke: bool) -> list[Path]:
    if smoke:
        return [SMOKE_FILE]
    paths = []
    for sub in ("canterbury", "large"):
        folder = SHARED_CORPORA / sub
        if not folder.is_dir():
            sys.exit(f"bench_levels.py: corpus folder not found: {folder} "
                     "(set ENTROPYCODEC_CORPORA, or use --smoke)")
        paths += sorted(p for p in folder.iterdir() if p.is_file())
    return paths


def run(paths, *, levels, peers, rounds: int, thread_bytes: int, thread_block_size=None,
        fast_rounds: int = FAST_ROUNDS, cm_reference: bool = True, control: bool = True) -> dict:
    methods, missing = build_methods(levels, peers)
    warm = (b"warm every kernel up before timing anything; " * 400)[:16000]
    for comp, decomp in methods.values():
        decomp(comp(warm))
    files = {}
    for path in paths:
        data = path.read_bytes()
        row = measure_file(data, methods, rounds, fast_rounds)
        files[path.name] = {"bytes": len(data), "h0_bits": h0_bits(data), "methods": row}
        print(f"{path.name:<14} {len(data):>9}  " + " ".join(
            f"{m}={r['bytes']}" for m, r in row.items()), file=sys.stderr)
    text = [f for f in files if f in TEXT_FILES] or list(files)  # smoke: its one file
    res = {"benchmark": "levels",
           "machine": machine_info("zstandard", "brotli", "zpaq", "matplotlib"),
           "params": {"levels": list(levels), "peers": list(methods)[len(levels):],
                      "default_level": DEFAULT_LEVEL, "rounds": rounds,
                      "fast_rounds": max(rounds, fast_rounds),
                      "files": [str(p) for p in paths]},
           "missing": missing, "files": files,
           "summary": {"text": summarize(files, text), "all": summarize(files, list(files))}}
    if cm_reference and 9 in levels:
        coder, level = CM_REFERENCE
        res["cm_reference"] = {p.name: len(entropycodec.compress(p.read_bytes(), level, coder=coder))
                               for p in paths}
    seed_path = next((p for p in paths if p.name == "bible.txt"), paths[0])
    res["params"]["thread_seed"] = seed_path.name
    # the speedup two independent processes get right now (ideal 2.0): on a shared
    # machine no thread pool can beat it
    from bench_compress import parallelism_control

    res["threads"] = thread_test(seed_path.read_bytes(), thread_bytes, levels,
                                 block_size=thread_block_size, rounds=max(rounds, 2),
                                 fast_rounds=fast_rounds,
                                 control=parallelism_control if control else None)
    res["targets"] = check_targets(res)
    return res


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true",
                    help=f"one small file ({SMOKE_FILE.name}), levels 1 and 6, gzip/bzip2/zstd, "
                         "one round, a 256 KiB thread run in 64 KiB blocks")
    ap.add_argument("--rounds", type=int, default=3, help="best of N round-robin runs (default 3)")
    ap.add_argument("--out-dir", type=Path, default=None,
                    help="where levels.json/.md/.png go (default bench/results; smoke: required)")
    ap.add_argument("--no-plot", action="store_true", help="skip the figure")
    args = ap.parse_args(argv)
    if args.smoke and args.out_dir is None:
        ap.error("--smoke needs --out-dir (the smoke run must not overwrite bench/results)")
    out = args.out_dir or RESULTS
    if args.smoke:
        res = run(corpus_paths(True), levels=SMOKE_LEVELS, peers=SMOKE_PEERS, rounds=1, fast_rounds=1,
                  thread_bytes=1 << 18, thread_block_size=1 << 16, cm_reference=False,
                  control=False)
    else:
        res = run(corpus_paths(False), levels=tuple(sorted(LEVELS)), peers=PEERS,
                  rounds=args.rounds, thread_bytes=THREAD_FILE_BYTES)
    if not args.no_plot:
        try:
            figure(res, out / "levels.png")
            res["params"]["figure"] = "levels.png"
        except ImportError:
            print("bench_levels.py: no figure (matplotlib missing: pip install "
                  "'entropycodec[plot]')", file=sys.stderr)
    write(out, res)
    print(markdown(res))
    return res


if __name__ == "__main__":
    main()
