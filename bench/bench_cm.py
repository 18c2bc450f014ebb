"""Question: does the cm coder compress text smaller than bz2 -9, xz -9e and PPMd, at >= 1 MB/s?

For each file, in one process and on the same bytes: cm at one level (default:
the package default) timed once each way (one thread; the kernels are compiled
before timing), and the sizes of ``bz2.compress(data, 9)``,
``lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)`` and
``pyppmd.compress(data, max_order=6, mem_size=64 << 20)``. cm's size is its
payload plus the 9 bytes a container would need for n and the level (an 8-byte
length and a level byte), so the comparison with the peers' self-describing
streams is fair. Targets (issue): cm smaller than bz2 and xz on every listed
file; smaller than PPMd on the large text files (stretch); >= 1 MB/s both ways
on bible.txt.

    python bench/bench_cm.py [--level 7] [--files canterbury/alice29.txt,large/bible.txt]
"""

from __future__ import annotations

import argparse
import bz2
import lzma
import time

import numpy as np
from benchlib import corpus_file, write_results

DEFAULT_FILES = [
    "canterbury/alice29.txt",
    "canterbury/asyoulik.txt",
    "canterbury/lcet10.txt",
    "canterbury/plrabn12.txt",
    "canterbury/cp.html",
    "canterbury/fields.c",
    "canterbury/grammar.lsp",
    "canterbury/xargs.1",
    "large/bible.txt",
    "large/world192.txt",
]
# What a container adds to a cm payload: n as 8 bytes and the level as 1 byte.
CONTAINER_BYTES = 9


def measure(name: str, level: int) -> dict:
    import pyppmd

    from entropycodec.coders.cm import cm_decode, cm_encode

    raw = corpus_file(*name.split("/")).read_bytes()
    data = np.frombuffer(raw, dtype=np.uint8)
    t0, c0 = time.perf_counter(), time.process_time()
    payload = cm_encode(data, level)
    t1, c1 = time.perf_counter(), time.process_time()
    back = cm_decode(payload, len(raw), level)
    t2, c2 = time.perf_counter(), time.process_time()
    if back.tobytes() != raw:
        raise SystemExit(f"cm round trip failed on {name}")
    sizes = {
        "cm": len(payload) + CONTAINER_BYTES,
        "bz2_9": len(bz2.compress(raw, 9)),
        "xz_9e": len(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)),
        "ppmd_o6": len(pyppmd.compress(raw, max_order=6, mem_size=64 << 20)),
    }
    return {
        "file": name,
        "bytes": len(raw),
        "sizes": sizes,
        "bits_per_byte": {k: round(8 * v / len(raw), 4) for k, v in sizes.items()},
        "cm_over": {k: round(sizes["cm"] / v, 4) for k, v in sizes.items() if k != "cm"},
        "encode_mb_s": round(len(raw) / (t1 - t0) / 1e6, 3),
        "decode_mb_s": round(len(raw) / (t2 - t1) / 1e6, 3),
        "encode_cpu_mb_s": round(len(raw) / max(c1 - c0, 1e-9) / 1e6, 3),
        "decode_cpu_mb_s": round(len(raw) / max(c2 - c1, 1e-9) / 1e6, 3),
    }


def markdown(level: int, rows: list[dict]) -> str:
    lines = [
        f"# cm (level {level}) against bz2 -9, xz -9e and PPMd order 6",
        "",
        "Sizes in bytes (cm includes 9 container bytes); bpb = bits per byte; "
        "cm/x = cm size over x's size (below 1: cm is smaller). MB/s = 10^6 bytes per second, "
        "one thread, including table allocation: wall clock, and in brackets per second of this "
        "process's CPU time (the machine is shared; CPU time is what one thread costs).",
        "",
        "| file | bytes | cm | bz2 -9 | xz -9e | ppmd o6 | cm bpb | cm/bz2 | cm/xz | cm/ppmd "
        "| enc MB/s | dec MB/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        s, o = r["sizes"], r["cm_over"]
        lines.append(
            f"| {r['file']} | {r['bytes']} | {s['cm']} | {s['bz2_9']} | {s['xz_9e']} | "
            f"{s['ppmd_o6']} | {r['bits_per_byte']['cm']:.3f} | {o['bz2_9']:.3f} | "
            f"{o['xz_9e']:.3f} | {o['ppmd_o6']:.3f} | {r['encode_mb_s']:.2f} "
            f"({r['encode_cpu_mb_s']:.2f}) | {r['decode_mb_s']:.2f} ({r['decode_cpu_mb_s']:.2f}) |"
        )
    beaten = [r["file"] for r in rows if r["cm_over"]["bz2_9"] < 1 and r["cm_over"]["xz_9e"] < 1]
    ppmd = [r["file"] for r in rows if r["cm_over"]["ppmd_o6"] < 1]
    total = {k: sum(r["sizes"][k] for r in rows) for k in rows[0]["sizes"]} if rows else {}
    lines += [
        "",
        f"cm smaller than both bz2 -9 and xz -9e on {len(beaten)} of {len(rows)} files; "
        f"smaller than PPMd o6 on {len(ppmd)} of {len(rows)}.",
        "",
        "Totals: " + ", ".join(f"{k} {v}" for k, v in total.items()) + ".",
    ]
    return "\n".join(lines)


def main() -> None:
    from entropycodec.coders.cm import DEFAULT_LEVEL, cm_decode, cm_encode, memory_bytes

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--level", type=int, default=DEFAULT_LEVEL)
    ap.add_argument("--files", default=",".join(DEFAULT_FILES))
    ap.add_argument("--name", default="cm", help="results name (bench/results/NAME.json)")
    args = ap.parse_args()

    warm = np.frombuffer(b"compile the kernels before timing", dtype=np.uint8)
    cm_decode(cm_encode(warm, args.level), len(warm), args.level)
    rows = []
    for name in args.files.split(","):
        rows.append(measure(name, args.level))
        print(rows[-1], flush=True)
    write_results(args.name, {"level": args.level, "memory_bytes": memory_bytes(args.level),
                              "rows": rows}, markdown(args.level, rows))


if __name__ == "__main__":
    main()
