"""Benchmark of the .ec file compressor: memory, threads, speed against zlib, ratio against H0.

Questions:

1. Memory: does streaming a large input through Compressor -> Decompressor stay
   under 300 MiB peak RSS (measured in a fresh subprocess, ru_maxrss)?
2. Threads: how much faster is compress(threads=2) than threads=1 on bible.txt
   repeated to 50 MiB (target >= 1.7x), with identical output?
3. Speed: is end-to-end compress with the default coder ("auto") faster than
   zlib level 1 on each Large Canterbury file, in the same process?
4. Ratio: how close is the .ec size to sum over blocks of n * H0 (the order-0
   bound of each block) plus the container's fixed headers (target within 0.5%)?
5. Startup: ``entropycodec --help`` and a 1 KiB file round trip, warm JIT cache.

Usage: python bench/bench_compress.py [--quick] [--full-gib]
  --quick     CI smoke: 16 MiB memory run, 12 MiB thread run, 1 round
  --full-gib  stream 1 GiB in the memory test (default 256 MiB)
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import best_seconds, corpus_file, write_results

LARGE = ("E.coli", "bible.txt", "world192.txt")
MIB = 1 << 20

_MEMORY_CHILD = r"""
import resource, sys, zlib, json
import numpy as np
from entropycodec import Compressor, Decompressor
total, threads = int(sys.argv[1]), int(sys.argv[2])
paths = sys.argv[3:]
seed = b"".join(open(p, "rb").read() for p in paths)
rng = np.random.default_rng(0)
noise = rng.integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
# warm the JIT before measuring the baseline
d = Decompressor(); c = Compressor(); d.decompress(c.compress(seed[:1 << 16]) + c.flush())


def hwm_kib():
    # VmHWM belongs to this process image; ru_maxrss would also count the parent's
    # pages at fork time (Linux carries maxrss across exec).
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


base = hwm_kib()


# A JIT compile (after a kernel's source changed) can spike RSS during the warm-up;
# reset the kernel's high-water mark (Linux: clear_refs 5) so the peak is the streaming one.
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    reset = True
except OSError:
    reset = False
comp, decomp = Compressor(threads=threads), Decompressor()
crc_in = crc_out = 0; fed = out = packed = 0
chunk = 1 << 20
pos = 0
while fed < total:
    piece = seed[pos:pos + chunk] if (fed // chunk) % 8 else noise
    pos = (pos + chunk) % max(1, len(seed) - chunk)
    piece = piece[:total - fed]
    crc_in = zlib.crc32(piece, crc_in); fed += len(piece)
    z = comp.compress(piece); packed += len(z)
    while True:
        o = decomp.decompress(z, 1 << 20); z = b""
        crc_out = zlib.crc32(o, crc_out); out += len(o)
        if decomp.needs_input or decomp.eof:
            break
z = comp.flush(); packed += len(z)
o = decomp.decompress(z)
crc_out = zlib.crc32(o, crc_out); out += len(o)
while not decomp.eof:
    o = decomp.decompress(b"", 1 << 20); crc_out = zlib.crc32(o, crc_out); out += len(o)
assert decomp.eof and out == fed and crc_in == crc_out
peak = hwm_kib()
overall = max(base, peak)
print(json.dumps({"bytes": fed, "compressed": packed, "baseline_rss_mib": base / 1024,
                  "peak_rss_mib": peak / 1024, "process_max_rss_mib": overall / 1024,
                  "peak_is_streaming_only": reset}))
"""


def memory_test(total: int, threads: int) -> dict:
    paths = [str(corpus_file("large", name)) for name in LARGE]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(total), str(threads), *paths],
                          capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    result["seconds"] = time.perf_counter() - t0
    result["threads"] = threads
    result["target_peak_rss_mib"] = 300
    result["ok"] = result["peak_rss_mib"] < 300
    return result


_CONTROL_CHILD = r"""
import sys, time, zlib
data = bytes(range(256)) * (1 << 17)  # 32 MiB
t0 = time.perf_counter()
for _ in range(8):
    zlib.crc32(data)
print(time.perf_counter() - t0)
"""


def parallelism_control() -> float:
    """The speedup two *processes* get on independent work right now (ideal: 2.0).

    The machine is shared: when another job holds a core, no thread pool can
    reach 2x, and this control says so in the same run."""
    def run(jobs: int) -> float:
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _CONTROL_CHILD], stdout=subprocess.PIPE)
                 for _ in range(jobs)]
        for p in procs:
            p.communicate()
        return time.perf_counter() - t0
    one = min(run(1) for _ in range(2))
    two = min(run(2) for _ in range(2))
    return 2 * one / two


def thread_test(size: int, rounds: int) -> dict:
    import entropycodec

    seed = corpus_file("large", "bible.txt").read_bytes()
    data = (seed * (size // len(seed) + 1))[:size]
    outs = {}

    def run(threads):
        outs[threads] = entropycodec.compress(data, threads=threads)

    control_before = parallelism_control()
    packed = entropycodec.compress(data)

    def interleaved(fn_one, fn_two):
        # Alternate the two configurations so that both meet the same share of quiet
        # moments on a shared machine; keep the best time of each.
        fn_one(), fn_two()
        best = [float("inf"), float("inf")]
        for _ in range(max(rounds, 5)):
            for i, fn in enumerate((fn_one, fn_two)):
                t0 = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - t0)
        return best

    t1, t2 = interleaved(lambda: run(1), lambda: run(2))
    d1, d2 = interleaved(lambda: entropycodec.decompress(packed, threads=1),
                         lambda: entropycodec.decompress(packed, threads=2))
    control_after = parallelism_control()
    return {"bytes": size, "seconds_1_thread": t1, "seconds_2_threads": t2,
            "decompress_seconds_1_thread": d1, "decompress_seconds_2_threads": d2,
            "decompress_speedup": d1 / d2,
            "two_process_control_speedup": [control_before, control_after],
            "speedup": t1 / t2, "identical_output": outs[1] == outs[2], "target_speedup": 1.7,
            "ok": t1 / t2 >= 1.7 and outs[1] == outs[2]}


def block_bound_bytes(data: bytes, info) -> tuple[float, int]:
    """(sum over blocks of n*H0/8, fixed container bytes: headers and end markers)."""
    import numpy as np

    arr = np.frombuffer(data, np.uint8)
    bound, pos = 0.0, 0
    for block in info.blocks:
        counts = np.bincount(arr[pos:pos + block.original_size], minlength=256)
        p = counts[counts > 0] / block.original_size
        bound += float(-(counts[counts > 0] * np.log2(p)).sum()) / 8
        pos += block.original_size
    fixed = 12 + 22 + 24 * len(info.blocks)
    return bound, fixed


def speed_ratio_test(rounds: int) -> list[dict]:
    import entropycodec

    rows = []
    for name in LARGE:
        data = corpus_file("large", name).read_bytes()
        packed = entropycodec.compress(data)
        z = zlib.compress(data, 1)
        t_ec = best_seconds(lambda d=data: entropycodec.compress(d), rounds)
        t_ecd = best_seconds(lambda p=packed: entropycodec.decompress(p), rounds)
        t_z = best_seconds(lambda d=data: zlib.compress(d, 1), rounds)
        t_zd = best_seconds(lambda p=z: zlib.decompress(p), rounds)
        assert entropycodec.decompress(packed) == data
        info = entropycodec.read_header(packed)
        bound, fixed = block_bound_bytes(data, info)
        models = sum(b.model_size for b in info.blocks)
        rows.append({
            "file": name, "bytes": len(data), "ec_bytes": len(packed), "zlib1_bytes": len(z),
            "coders": info.coder_counts(),
            "ec_compress_mb_s": len(data) / t_ec / 1e6, "zlib1_compress_mb_s": len(data) / t_z / 1e6,
            "ec_decompress_mb_s": len(data) / t_ecd / 1e6,
            "zlib1_decompress_mb_s": len(data) / t_zd / 1e6,
            "speed_vs_zlib1": t_z / t_ec,
            "h0_bound_bytes": bound, "fixed_header_bytes": fixed, "model_bytes": models,
            "bits_per_byte": 8 * len(packed) / len(data),
            "h0_bits_per_byte": 8 * bound / len(data),
            "excess_vs_bound_plus_headers": len(packed) / (bound + fixed) - 1,
            "ok_speed": t_ec < t_z,
            "ok_ratio": len(packed) / (bound + fixed) - 1 <= 0.005,
        })
    return rows


def startup_test() -> dict:
    script = shutil.which("entropycodec", path=str(Path(sys.executable).parent))
    if script is None:
        return {"skipped": "console script not installed"}
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.txt"
        small.write_bytes(corpus_file("canterbury", "alice29.txt").read_bytes()[:1024])

        def timed(args):
            best = math.inf
            for _ in range(3):
                t0 = time.perf_counter()
                subprocess.run([script, *args], check=True, capture_output=True)
                best = min(best, time.perf_counter() - t0)
            return best

        help_s = timed(["--help"])
        compress_s = timed(["compress", "-f", str(small)])
        decompress_s = timed(["decompress", "-f", "-o", str(Path(tmp) / "out"),
                              str(small) + ".ec"])
    return {"help_seconds": help_s, "compress_1kib_seconds": compress_s,
            "decompress_1kib_seconds": decompress_s,
            "ok": help_s < 0.3 and compress_s < 1 and decompress_s < 1}


def markdown(res: dict) -> str:
    m, t, s = res["memory"], res["threads"], res["startup"]
    lines = ["# .ec compressor benchmark", "",
             "## Memory (stream through Compressor -> Decompressor, fresh process)", "",
             f"{m['bytes'] / MIB:.0f} MiB streamed ({m['compressed'] / MIB:.1f} MiB compressed), "
             f"threads={m['threads']}: peak RSS while streaming **{m['peak_rss_mib']:.0f} MiB** "
             f"(after imports and JIT warm-up: {m['baseline_rss_mib']:.0f} MiB; whole process "
             f"incl. any JIT compile: {m['process_max_rss_mib']:.0f} MiB); target < 300 MiB: "
             f"{'met' if m['ok'] else 'NOT met'}.", "",
             f"With threads=2 ({res['memory_2_threads']['bytes'] / MIB:.0f} MiB): "
             f"**{res['memory_2_threads']['peak_rss_mib']:.0f} MiB**.", "",
             "## Threads (compress, default coder)", "",
             f"bible.txt repeated to {t['bytes'] / MIB:.0f} MiB: 1 thread {t['seconds_1_thread']:.2f} s, "
             f"2 threads {t['seconds_2_threads']:.2f} s, speedup **{t['speedup']:.2f}x** "
             f"(target >= 1.7x: {'met' if t['ok'] else 'NOT met'}); identical output: "
             f"{t['identical_output']}. Decompression: {t['decompress_seconds_1_thread']:.2f} s "
             f"vs {t['decompress_seconds_2_threads']:.2f} s, "
             f"**{t['decompress_speedup']:.2f}x**.",
             f"Control in the same run: two independent processes got "
             f"{t['two_process_control_speedup'][0]:.2f}x before and "
             f"{t['two_process_control_speedup'][1]:.2f}x after (2.00x = two free cores); "
             f"attempt {t['chosen_attempt']} of "
             f"{len(t['attempts'])} (all attempts in the JSON: "
             + ", ".join(f"{a['speedup']:.2f}x at control {min(a['two_process_control_speedup']):.2f}"
                         for a in t['attempts']) + ").", "",
             "## Large Canterbury: default coder vs zlib level 1 (same process, best of runs)", "",
             "| file | bytes | .ec bytes | zlib-1 bytes | coders | .ec MB/s | zlib-1 MB/s | "
             "speed ours/zlib | .ec dec MB/s | zlib dec MB/s | bits/byte | H0 bits/byte | "
             "excess vs sum n·H0 + headers |",
             "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in res["large"]:
        coders = ", ".join(f"{k}×{v}" for k, v in r["coders"].items())
        lines.append(
            f"| {r['file']} | {r['bytes']} | {r['ec_bytes']} | {r['zlib1_bytes']} | {coders} | "
            f"{r['ec_compress_mb_s']:.1f} | {r['zlib1_compress_mb_s']:.1f} | "
            f"{r['speed_vs_zlib1']:.2f}x | {r['ec_decompress_mb_s']:.1f} | "
            f"{r['zlib1_decompress_mb_s']:.1f} | {r['bits_per_byte']:.4f} | "
            f"{r['h0_bits_per_byte']:.4f} | {100 * r['excess_vs_bound_plus_headers']:.3f}% |")
    lines += ["", "zlib level 1 is an LZ77 + Huffman coder: it wins on size through string "
              "matching, which an order-0 entropy coder does not do; the comparison here is speed.",
              "The ratio target is the order-0 bound: sum over blocks of n·H0 plus the "
              "container's fixed headers (stream header, block headers, end marker); the excess "
              "includes the model descriptions and coder flush bytes.", "",
              "## Startup (console script, warm JIT cache, best of 3)", ""]
    if "skipped" in s:
        lines.append(s["skipped"])
    else:
        lines.append(f"`entropycodec --help`: {s['help_seconds'] * 1000:.0f} ms (target < 300 ms); "
                     f"1 KiB compress {s['compress_1kib_seconds'] * 1000:.0f} ms, decompress "
                     f"{s['decompress_1kib_seconds'] * 1000:.0f} ms (target < 1 s).")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (CI smoke)")
    parser.add_argument("--full-gib", action="store_true", help="stream 1 GiB in the memory test")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else 3
    mem_total = 16 * MIB if args.quick else (1024 * MIB if args.full_gib else 256 * MIB)
    thread_size = 12 * MIB if args.quick else 50 * MIB
    res = {"quick": args.quick}
    # Threads first: the speedup needs a free second core, which a shared machine has
    # only at times; each attempt is bracketed by the two-process control, and up to
    # three attempts are made while the control shows a busy machine (all reported).
    attempts = []
    for attempt in range(1 if args.quick else 3):
        if attempt:
            time.sleep(20)
        attempts.append(thread_test(thread_size, rounds))
        if min(attempts[-1]["two_process_control_speedup"]) >= 1.8:
            break
    best = max(attempts, key=lambda a: min(a["two_process_control_speedup"]))
    res.update({"memory": memory_test(mem_total, threads=1),
                "memory_2_threads": memory_test(min(mem_total, 256 * MIB), threads=2),
                "threads": {**best, "attempts": attempts,
                            "chosen_attempt": attempts.index(best) + 1},
                "large": speed_ratio_test(rounds),
                "startup": startup_test()})
    write_results("compress", res, markdown(res))


if __name__ == "__main__":
    main()
