"""Peer benchmark: entropycodec's coders beside other libraries, same process, same bytes.

Question: on the Canterbury and Large Canterbury files, how fast do our coders
encode and decode, and how many bits per byte do they spend, next to the peers
that do the same job?

=========================  =====================================  ===============
peer                       what it is                             compared with
=========================  =====================================  ===============
constriction-ans           constriction AnsCoder, Categorical     our rans
constriction-range         constriction RangeEncoder, Categorical our arithmetic
bitarray-huffman           bitarray encode / decode(decodetree)   our huffman
dahuffman                  dahuffman HuffmanCodec (on a slice)    our huffman
zlib-huffman-only          zlib level 9, Z_HUFFMAN_ONLY           our huffman
zlib-9, bz2-9, lzma-9      the standard library at level 9        our cm
zstd-3, zstd-19            zstandard                              our cm
=========================  =====================================  ===============

Every order-0 method (ours and the peers') is timed from raw bytes to
compressed output, counting the symbols and building its model included, and
back. Sizes include each method's model description where it has one (ours:
the header the coding layer reports; constriction: 256 x 32-bit probabilities
would be needed, we charge 1 byte per distinct symbol plus a 2-byte count,
the minimum a real container would pay; bitarray and dahuffman: none counted).
Speeds are MB/s (10**6 bytes per second) of the best of ``--rounds`` runs, a run
slower than 2 s being measured once. The ratio column is our counterpart's
speed over the peer's speed: above 1 we are faster. Each result is checked by a
round trip.

    python bench/peers.py                 # full run: writes bench/results/peers.{json,md,png}
    python bench/peers.py --smoke --out-dir /tmp/smoke   # one small file, one round (CI)

Needs the ``bench`` extra (constriction, bitarray, dahuffman, zstandard) and, for
the figure, the ``plot`` extra. The standard corpora are read from
../shared/corpora relative to the repository (or $ENTROPYCODEC_CORPORA).
"""

from __future__ import annotations

import argparse
import bz2
import collections
import json
import lzma
import os
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from entropycodec.coders import MODEL_CODERS, SYMBOL_CODERS, get

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchlib, also when loaded by path
from benchlib import machine_info  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("ENTROPYCODEC_CORPORA", REPO.parent / "shared" / "corpora"))
RESULTS = REPO / "bench" / "results"
SMOKE_FILE = REPO / "corpora" / "markov.txt"
DAHUFFMAN_SLICE = 1 << 17  # bytes: dahuffman is pure Python, ~0.5 MB/s
SLOW_RUN_SECONDS = 2.0

OURS = SYMBOL_CODERS  # every coder of the registry
COUNTERPART = {
    "constriction-ans": "rans",
    "constriction-range": "arithmetic",
    "bitarray-huffman": "huffman",
    "dahuffman": "huffman",
    "zlib-huffman-only": "huffman",
    "zlib-9": "cm",
    "bz2-9": "cm",
    "lzma-9": "cm",
    "zstd-3": "cm",
    "zstd-19": "cm",
}


# one static model for the whole file: bounded below by n * H0 (up to side information)
STATIC_ORDER0 = (*MODEL_CODERS, "constriction-ans", "constriction-range", "bitarray-huffman")


class MissingPeer(Exception):
    pass


# -- the methods: each returns (encode(data) -> (blob, size_bits), decode(blob) -> bytes) --------

def _ours(name: str, cm_level: int):
    spec = get(name)
    if spec.has_level:  # cm: its payload alone, at cm_level

        def enc(data):
            payload = spec.encode(np.frombuffer(data, dtype=np.uint8), cm_level)
            return (payload, len(data)), 8 * len(payload)

        def dec(blob):
            payload, n = blob
            return bytes(spec.decode(payload, n, cm_level))

        return enc, dec
    from entropycodec.sequence import decode, encode

    def enc(data):
        e = encode(data, coder=name)
        return e, e.total_bits

    def dec(e):
        return bytes(decode(e))

    return enc, dec


def _constriction(kind: str):
    try:
        import constriction
    except ImportError:
        raise MissingPeer("constriction is not installed (pip install 'entropycodec[bench]')") from None

    def model_of(data):
        counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
        probs = counts.astype(np.float64) / counts.sum()
        return constriction.stream.model.Categorical(probs, perfect=False), int((counts > 0).sum())

    def enc(data):
        symbols = np.frombuffer(data, dtype=np.uint8).astype(np.int32)
        model, distinct = model_of(data)
        if kind == "ans":
            coder = constriction.stream.stack.AnsCoder()
            coder.encode_reverse(symbols, model)
        else:
            coder = constriction.stream.queue.RangeEncoder()
            coder.encode(symbols, model)
        words = coder.get_compressed()
        return (words, model, len(data)), 32 * words.size + 8 * (distinct + 2)

    def dec(blob):
        words, model, n = blob
        if kind == "ans":
            out = constriction.stream.stack.AnsCoder(words).decode(model, n)
        else:
            out = constriction.stream.queue.RangeDecoder(words).decode(model, n)
        return out.astype(np.uint8).tobytes()

    return enc, dec


def _bitarray():
    try:
        from bitarray import bitarray, decodetree
        from bitarray.util import huffman_code
    except ImportError:
        raise MissingPeer("bitarray with decodetree is not installed") from None

    def enc(data):
        code = huffman_code(collections.Counter(data))
        bits = bitarray()
        bits.encode(code, data)
        return (bits, code), len(bits)

    def dec(blob):
        bits, code = blob
        return bytes(bits.decode(decodetree(code)))

    return enc, dec


def _dahuffman():
    try:
        import dahuffman
    except ImportError:
        raise MissingPeer("dahuffman is not installed (pip install 'entropycodec[bench]')") from None

    def enc(data):
        codec = dahuffman.HuffmanCodec.from_data(data)
        out = codec.encode(data)
        return (out, codec), 8 * len(out)

    def dec(blob):
        out, codec = blob
        return codec.decode(out)

    return enc, dec


def _stdlib(name: str):
    if name == "zlib-huffman-only":
        def comp(b):
            c = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_HUFFMAN_ONLY)
            return c.compress(b) + c.flush()
        return _bytes_codec(comp, zlib.decompress)
    if name == "zlib-9":
        return _bytes_codec(lambda b: zlib.compress(b, 9), zlib.decompress)
    if name == "bz2-9":
        return _bytes_codec(lambda b: bz2.compress(b, 9), bz2.decompress)
    if name == "lzma-9":
        return _bytes_codec(lambda b: lzma.compress(b, preset=9), lzma.decompress)
    try:
        import zstandard
    except ImportError:
        raise MissingPeer("zstandard is not installed (pip install 'entropycodec[bench]')") from None
    level = int(name.split("-")[1])
    cctx, dctx = zstandard.ZstdCompressor(level=level), zstandard.ZstdDecompressor()
    return _bytes_codec(cctx.compress, dctx.decompress)


def _bytes_codec(comp, decomp):
    def enc(data):
        out = comp(data)
        return out, 8 * len(out)

    return enc, decomp


def build_methods(cm_level: int):
    """{name: (encode, decode)} and {name: why it is missing}."""
    methods, missing = {}, {}
    makers = {name: (lambda n=name: _ours(n, cm_level)) for name in OURS}
    makers.update({
        "constriction-ans": lambda: _constriction("ans"),
        "constriction-range": lambda: _constriction("range"),
        "bitarray-huffman": _bitarray,
        "dahuffman": _dahuffman,
    })
    makers.update({name: (lambda n=name: _stdlib(n)) for name in
                   ("zlib-huffman-only", "zlib-9", "bz2-9", "lzma-9", "zstd-3", "zstd-19")})
    for name, make in makers.items():
        try:
            methods[name] = make()
        except (MissingPeer, ImportError) as exc:
            missing[name] = str(exc)
    return methods, missing


# -- measuring ---------------------------------------------------------------------------------

def _best(fn, arg, rounds: int):
    best, out = float("inf"), None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn(arg)
        dt = time.perf_counter() - t0
        best = min(best, dt)
        if dt > SLOW_RUN_SECONDS:
            break
    return out, best


def measure(name, enc, dec, data: bytes, rounds: int) -> dict:
    if name == "dahuffman" and len(data) > DAHUFFMAN_SLICE:
        data = data[:DAHUFFMAN_SLICE]
    (blob, bits), t_enc = _best(enc, data, rounds)
    out, t_dec = _best(dec, blob, rounds)
    if out != data:
        raise AssertionError(f"{name}: round trip failed on {len(data)} bytes")
    n = len(data)
    return {"bytes": n, "bits": bits, "bits_per_byte": bits / n,
            "encode_mb_per_s": n / t_enc / 1e6, "decode_mb_per_s": n / t_dec / 1e6,
            "encode_seconds": t_enc, "decode_seconds": t_dec}


def order0_entropy(data: bytes) -> float:
    """H0 of the bytes, in bits per byte: the bound for every order-0 method here."""
    counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
    p = counts[counts > 0] / len(data)
    return float(-(p * np.log2(p)).sum()) if len(data) else 0.0


def corpus_files(smoke: bool) -> list[Path]:
    if smoke:
        return [SMOKE_FILE]
    files = []
    for sub in ("canterbury", "large"):
        folder = CORPORA / sub
        if not folder.is_dir():
            raise SystemExit(f"peers.py: standard corpus folder not found: {folder} "
                             "(set ENTROPYCODEC_CORPORA, or use --smoke)")
        files += sorted(p for p in folder.iterdir() if p.is_file())
    return files


def run(files, *, rounds: int, cm_level: int, only=None, log=print) -> dict:
    methods, missing = build_methods(cm_level)
    if only:
        methods = {k: v for k, v in methods.items() if k in only}
    warm = b"warm up every kernel before timing anything " * 64
    for enc, dec in methods.values():
        dec(enc(warm)[0])
    results, entropies, sizes = {}, {}, {}
    for path in files:
        data = path.read_bytes()
        row = {}
        for name, (enc, dec) in methods.items():
            row[name] = measure(name, enc, dec, data, rounds)
        results[path.name] = row
        entropies[path.name] = order0_entropy(data)
        sizes[path.name] = len(data)
        log(f"{path.name:<14} {len(data):>9} bytes  " + "  ".join(
            f"{k}={v['bits_per_byte']:.3f}" for k, v in row.items() if k in OURS))
    summary = {}
    for name in methods:
        rows = [r[name] for r in results.values()]
        n = sum(r["bytes"] for r in rows)
        summary[name] = {
            "bytes": n,
            "bits_per_byte": sum(r["bits"] for r in rows) / n,
            "encode_mb_per_s": n / sum(r["encode_seconds"] for r in rows) / 1e6,
            "decode_mb_per_s": n / sum(r["decode_seconds"] for r in rows) / 1e6,
        }
    for name, ours in COUNTERPART.items():
        if name in summary and ours in summary:
            s = summary[name]
            s["counterpart"] = ours
            s["our_encode_speed_ratio"] = summary[ours]["encode_mb_per_s"] / s["encode_mb_per_s"]
            s["our_decode_speed_ratio"] = summary[ours]["decode_mb_per_s"] / s["decode_mb_per_s"]
            s["our_bits_per_byte_minus_peer"] = summary[ours]["bits_per_byte"] - s["bits_per_byte"]
    total = sum(sizes.values())
    return {"benchmark": "peers", "machine": machine_info("constriction", "bitarray", "dahuffman", "zstandard"),
            "h0_bits_per_byte": entropies,
            "h0_bits_per_byte_all_files":
                sum(entropies[f] * sizes[f] for f in sizes) / total if total else 0.0,
            "params": {"rounds": rounds, "cm_level": cm_level, "dahuffman_slice": DAHUFFMAN_SLICE,
                       "files": [str(p) for p in files]},
            "missing": missing, "files": results, "summary": summary}


# -- reporting ---------------------------------------------------------------------------------

def markdown(result: dict) -> str:
    m = result["machine"]
    lines = ["# Peer benchmark results", "",
             "Generated by `python bench/peers.py` (see bench/README.md); do not edit by hand.", "",
             f"Machine: {m['cpu']}, {m['logical_cores']} logical cores, {m['platform']}, "
             f"Python {m['python']}, run {m['date_utc']} UTC. Versions: "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + f", zlib {m['zlib']}.",
             f"Rounds: best of {result['params']['rounds']} (runs over "
             f"{SLOW_RUN_SECONDS:g} s measured once); cm level {result['params']['cm_level']}; "
             f"dahuffman on the first {result['params']['dahuffman_slice']:,} bytes of each file.",
             "", "## All files together", "",
             f"Order-0 entropy H0 of all files together (size-weighted): "
             f"{result['h0_bits_per_byte_all_files']:.3f} bits per byte, the bound for the "
             "order-0 methods (huffman, arithmetic, rans, constriction, bitarray, dahuffman).", "",
             "MB/s = 10^6 bytes per second; ratio = our counterpart's speed / the peer's "
             "(above 1: ours is faster).", "",
             "| method | bits/byte | encode MB/s | decode MB/s | counterpart | enc ratio | dec ratio |",
             "|---|---:|---:|---:|---|---:|---:|"]
    for name, s in result["summary"].items():
        cp = s.get("counterpart")
        lines.append(f"| {name} | {s['bits_per_byte']:.3f} | {s['encode_mb_per_s']:.2f} | "
                     f"{s['decode_mb_per_s']:.2f} | {cp or '(ours)'} | "
                     + (f"{s['our_encode_speed_ratio']:.2f} | {s['our_decode_speed_ratio']:.2f} |"
                        if cp else " | |"))
    if result["missing"]:
        lines += ["", "Not run: " + "; ".join(f"{k} ({v})" for k, v in result["missing"].items())]
    names = list(result["summary"])
    lines += ["", "## Bits per byte, per file", "",
              "| file | bytes | H0 | " + " | ".join(names) + " |",
              "|---|---:|---:|" + "---:|" * len(names)]
    for f, row in result["files"].items():
        n = max(r["bytes"] for r in row.values()) if row else 0
        lines.append(f"| {f} | {n} | {result['h0_bits_per_byte'][f]:.3f} | "
                     + " | ".join(f"{row[k]['bits_per_byte']:.3f}" for k in names)
                     + " |")
    below = [(f, k, row[k]["bits_per_byte"], result["h0_bits_per_byte"][f])
             for f, row in result["files"].items() for k in STATIC_ORDER0 if k in row
             and row[k]["bits_per_byte"] < result["h0_bits_per_byte"][f] - 1e-9]
    if below:
        lines += ["", "Static whole-file order-0 results below H0: possible only with side "
                  "information no method is charged for, such as the message length n (an ANS "
                  "coder whose state starts at 0 codes a trailing run of the symbol of "
                  "cumulative frequency 0 for free; its decoder produces it until n symbols "
                  "are out):", ""]
        lines += [f"- {f}: {k} {b:.4f} < H0 {h:.4f} bits per byte" for f, k, b, h in below]
    lines += ["", "## Encode MB/s, per file", "",
              "| file | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for f, row in result["files"].items():
        lines.append(f"| {f} | " + " | ".join(f"{row[k]['encode_mb_per_s']:.2f}" for k in names)
                     + " |")
    return "\n".join(lines) + "\n"


def scatter(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5))
    # labels of neighbouring points (by speed) alternate right and left of them
    order = sorted(result["summary"].items(), key=lambda kv: kv[1]["encode_mb_per_s"])
    for rank, (name, s) in enumerate(order):
        ours = name in OURS
        ax.scatter(s["bits_per_byte"], s["encode_mb_per_s"], marker="o" if ours else "^",
                   s=60, color="tab:blue" if ours else "tab:orange", edgecolor="k", lw=0.5,
                   zorder=3)
        right = rank % 2 == 0
        ax.annotate(name, (s["bits_per_byte"], s["encode_mb_per_s"]), textcoords="offset points",
                    xytext=(7 if right else -7, -3), ha="left" if right else "right", fontsize=8)
    ax.scatter([], [], marker="o", color="tab:blue", label="entropycodec")
    ax.scatter([], [], marker="^", color="tab:orange", label="peers")
    ax.set_yscale("log")
    ax.set_xlabel("bits per byte over all files (lower = better ratio)")
    ax.set_ylabel("encoding speed, MB/s (log scale)")
    files = len(result["files"])
    ax.set_title(f"Speed against ratio, {files} corpus file{'s' * (files != 1)}, one process")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper center")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true",
                    help="one small file (corpora/markov.txt), one round, cm level 1")
    ap.add_argument("--rounds", type=int, default=3, help="best of N runs (default 3)")
    ap.add_argument("--cm-level", type=int, default=None, help="cm memory level (default 8)")
    ap.add_argument("--only", help="comma-separated method names to run")
    ap.add_argument("--out-dir", type=Path, default=None,
                    help="where peers.json/.md/.png go (default bench/results; smoke: required)")
    ap.add_argument("--no-plot", action="store_true", help="skip the scatter plot")
    ap.add_argument("--render", type=Path, metavar="PEERS.json",
                    help="measure nothing: rewrite peers.md and peers.png from a results file")
    args = ap.parse_args(argv)
    if args.render:
        result = json.loads(args.render.read_text(encoding="utf-8"))
        out = args.out_dir or args.render.parent
        (out / "peers.md").write_text(markdown(result), encoding="utf-8")
        if not args.no_plot:
            scatter(result, out / "peers.png")
        return result
    if args.smoke and args.out_dir is None:
        ap.error("--smoke needs --out-dir (the smoke run must not overwrite bench/results)")
    rounds = 1 if args.smoke else args.rounds
    cm_level = args.cm_level or (1 if args.smoke else 8)
    only = set(args.only.split(",")) if args.only else None
    result = run(corpus_files(args.smoke), rounds=rounds, cm_level=cm_level, only=only,
                 log=lambda s: print(s, file=sys.stderr))
    out = args.out_dir or RESULTS
    out.mkdir(parents=True, exist_ok=True)
    (out / "peers.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / "peers.md").write_text(markdown(result), encoding="utf-8")
    if not args.no_plot:
        try:
            scatter(result, out / "peers.png")
        except ImportError:
            print("peers.py: no plot (matplotlib missing: pip install 'entropycodec[plot]')",
                  file=sys.stderr)
    print(f"results written to {out}/peers.json, peers.md" + ("" if args.no_plot else ", peers.png"),
          file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
