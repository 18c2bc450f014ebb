"""Benchmark: how fast are our rANS, static range and adaptive coders, next to constriction?

Question: on one large text (bible.txt, order-0 statistics), single thread, with
compiled kernels warm, what throughput (MB/s of input) do our coders reach,
how does that compare with constriction's AnsCoder and RangeEncoder/Decoder
on the same data and the same probabilities, and how many bits per byte does
each spend next to the order-0 entropy H0?

Targets (the speed issue's, which raised the design issue's 2x, 8x, 3x and
20 MB/s): rANS encode >= 3x and decode >= 20x constriction's AnsCoder; static
range decode >= 6x constriction's RangeDecoder; adaptive order-0 >= 100 MB/s
both ways.

Method: every coder runs in this process on the same uint8 array; each
timing is the best of ``--repeats`` runs of the whole call (Python wrapper
included), after one warm-up call. Constriction gets the quantized model's
probabilities for all 256 byte values (``Categorical(probs, perfect=False)``;
it requantizes to its own 24-bit default) and int32 symbols, which it needs;
that conversion is not timed, and its decoders return int32 arrays. Round trips are checked.

Usage: python bench/bench_coders.py [--quick] [--file PATH] [--repeats N]
Writes bench/results/coders.json and bench/results/coders.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from benchlib import machine_info

from entropycodec.coders.adaptive import adaptive_decode, adaptive_encode
from entropycodec.coders.arithmetic import arithmetic_decode, arithmetic_encode
from entropycodec.coders.rans import choose_scale_bits, rans_decode, rans_encode
from entropycodec.models.counts import FrequencyTable

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FILE = REPO.parent / "shared" / "corpora" / "large" / "bible.txt"
RESULTS = REPO / "bench" / "results"

TARGETS = {  # ratio ours / constriction, or absolute MB/s: the speed issue's (they replace the
    # coders issue's 2x, 8x, 3x and 20 MB/s, all met since)
    "rans_encode_vs_constriction": 3.0,
    "rans_decode_vs_constriction": 20.0,
    "range_decode_vs_constriction": 6.0,
    "adaptive_encode_MBps": 100.0,
    "adaptive_decode_MBps": 100.0,
}


def run(path: Path, repeats: int) -> dict:
    data = np.fromfile(path, dtype=np.uint8)
    n = data.size
    mb = n / 1e6
    table = FrequencyTable.from_data(data)
    h0 = table.entropy_bits_per_symbol
    scale_bits = choose_scale_bits(table.counts, n)
    model = table.quantize(scale_bits)

    # warm the JIT (compiled kernels load from numba's cache or compile here)
    small = data[:5000]
    rans_decode(rans_encode(small, model), small.size, model)
    arithmetic_decode(arithmetic_encode(small, model), small.size, model)
    adaptive_decode(adaptive_encode(small, 256), small.size, 256)

    coders = {}  # name -> (encode(), decode(payload), size(payload))

    def record(name, enc_fn, dec_fn, size_of=len):
        coders[name] = (enc_fn, dec_fn, size_of)

    record("ours_rans", lambda: rans_encode(data, model), lambda p: rans_decode(p, n, model))
    record("ours_range_static", lambda: arithmetic_encode(data, model),
           lambda p: arithmetic_decode(p, n, model))
    record("ours_adaptive", lambda: adaptive_encode(data, 256),
           lambda p: adaptive_decode(p, n, 256))

    try:
        import constriction
    except ImportError:
        constriction = None
    if constriction is not None:
        symbols = data.astype(np.int32)  # constriction's symbol type
        probs = (model.freqs / model.total).astype(np.float64)  # all 256; unused ones are 0
        cmodel = constriction.stream.model.Categorical(probs, perfect=False)

        def ans_encode():
            coder = constriction.stream.stack.AnsCoder()
            coder.encode_reverse(symbols, cmodel)
            return coder.get_compressed()

        def ans_decode(words):
            return constriction.stream.stack.AnsCoder(words).decode(cmodel, n)

        def range_encode():
            coder = constriction.stream.queue.RangeEncoder()
            coder.encode(symbols, cmodel)
            return coder.get_compressed()

        def range_decode(words):
            return constriction.stream.queue.RangeDecoder(words).decode(cmodel, n)

        record("constriction_ans", ans_encode, ans_decode, size_of=lambda w: 4 * w.size)
        record("constriction_range", range_encode, range_decode, size_of=lambda w: 4 * w.size)

    # Round robin: every coder runs once per round, so a burst of load from
    # other processes hits all of them alike; each keeps its best time.
    best = {name: [float("inf"), float("inf")] for name in coders}
    payloads = {name: enc() for name, (enc, _, _) in coders.items()}
    for _ in range(repeats):
        for name, (enc, dec, _) in coders.items():
            t0 = time.perf_counter()
            payloads[name] = enc()
            t1 = time.perf_counter()
            decoded = dec(payloads[name])
            t2 = time.perf_counter()
            best[name] = [min(best[name][0], t1 - t0), min(best[name][1], t2 - t1)]
            if not np.array_equal(np.asarray(decoded).astype(np.uint8), data):
                raise SystemExit(f"{name}: round trip failed")
    rows = {}
    for name, (_, _, size_of) in coders.items():
        size = size_of(payloads[name])
        rows[name] = {
            "encode_MBps": mb / best[name][0],
            "decode_MBps": mb / best[name][1],
            "bytes": size,
            "bits_per_byte": 8 * size / n,
            "over_H0_percent": 100 * (8 * size / n - h0) / h0,
        }

    ratios = {}
    if "constriction_ans" in rows:
        ratios["rans_encode_vs_constriction"] = (
            rows["ours_rans"]["encode_MBps"] / rows["constriction_ans"]["encode_MBps"])
        ratios["rans_decode_vs_constriction"] = (
            rows["ours_rans"]["decode_MBps"] / rows["constriction_ans"]["decode_MBps"])
        ratios["range_encode_vs_constriction"] = (
            rows["ours_range_static"]["encode_MBps"] / rows["constriction_range"]["encode_MBps"])
        ratios["range_decode_vs_constriction"] = (
            rows["ours_range_static"]["decode_MBps"] / rows["constriction_range"]["decode_MBps"])
    ratios["adaptive_encode_MBps"] = rows["ours_adaptive"]["encode_MBps"]
    ratios["adaptive_decode_MBps"] = rows["ours_adaptive"]["decode_MBps"]
    return {
        "question": "throughput and bits/byte of our coders vs constriction, one thread, warm JIT",
        "file": path.name,
        "n_bytes": n,
        "H0_bits_per_byte": h0,
        "scale_bits": scale_bits,
        "quantization_loss_bits_per_byte": model.quantization_loss_bits_per_symbol,
        "repeats": repeats,
        "machine": machine_info("constriction"),
        "coders": rows,
        "ratios": ratios,
        "targets": TARGETS,
        "targets_met": {k: ratios[k] >= v for k, v in TARGETS.items() if k in ratios},
    }


def to_markdown(res: dict) -> str:
    m = res["machine"]
    lines = [
        "# Coder benchmark (generated by bench/bench_coders.py; do not edit)",
        "",
        f"Question: {res['question']}.",
        "",
        (f"- Data: {res['file']}, {res['n_bytes']:,} bytes, H0 = {res['H0_bits_per_byte']:.5f} "
        f"bits/byte; our static model: scale_bits = {res['scale_bits']} (quantization loss "
        f"{res['quantization_loss_bits_per_byte']:.2e} bits/byte)"),
        (f"- Machine: {m['cpu']} ({m['machine']}); Python {m['python']}, "
         + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + f"; {m['date_utc']} UTC"),
        f"- Timing: best of {res['repeats']} whole calls, one thread, JIT warm; MB = 10^6 input bytes",
        "",
        "| coder | encode MB/s | decode MB/s | bytes | bits/byte | over H0 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in res["coders"].items():
        lines.append(f"| {name} | {r['encode_MBps']:.1f} | {r['decode_MBps']:.1f} | "
                     f"{r['bytes']:,} | {r['bits_per_byte']:.5f} | {r['over_H0_percent']:+.4f}% |")
    lines += ["", "| ratio (ours / constriction, or MB/s) | value | target | met |", "|---|---:|---:|---|"]
    for key, value in res["ratios"].items():
        target = res["targets"].get(key)
        met = "" if target is None else ("yes" if value >= target else "**no**")
        lines.append(f"| {key} | {value:.2f} | {'' if target is None else target} | {met} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    res = run(args.file, repeats)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "coders.json").write_text(json.dumps(res, indent=2) + "\n")
    md = to_markdown(res)
    (RESULTS / "coders.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
