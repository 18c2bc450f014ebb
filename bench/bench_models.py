"""Benchmark: coding with per-position models (Categorical rows, QuantizedGaussian, ContextModel).

Question: with the models people really have (a classifier's row of probabilities
per sample, a latent's mean and std per position, an order-k context model), how
fast do our rANS and range coders encode and decode, next to constriction's
AnsCoder / RangeEncoder coding the same symbols with the same parameters through
its Python API, and how close is each payload to the information it must carry?

Targets (issue 11):

* per-position ``Categorical``, K = 16 and K = 256, N = 10^6, float64 rows: our rANS
  encode and decode at least 2x constriction's ``AnsCoder`` with
  ``Categorical(perfect=False)`` and per-position probabilities, at a payload within
  0.01% of sum_i -log2 q_i(x_i) of the quantized rows (``coded_information``);
* ``QuantizedGaussian`` with per-position mean and std, N = 10^6: at least 2x
  constriction's ``QuantizedGaussian`` both ways, the same 0.01% bound;
* ``ContextModel`` order 1 and 2 on every Canterbury text file: payload within 0.1% of
  n H(X | context) of the quantized model (sum of ``coded_information``), the
  description's size stated beside it.

Method: one process, every coder on the same int32 symbols. Ours are timed from the
user's arrays to the payload and back, the model built in the call
(``rans_encode(x, Categorical(rows))``, ``rans_decode(payload, n, Categorical(rows))``),
as constriction gets its probabilities in the call (its model family is built once,
outside the timing). Rows are softmax(2 z) of standard normal z, symbols drawn from
them (seed 0). Round robin, best of ``--rounds``; every round trip is checked.
Speeds are M symbols per second. Sizes: payload bits (ours: the coder's payload,
rANS lane states included; constriction: 32 bits per word), against sum -log2 of the
model each coder codes with (ours exactly, from ``coded_information``) and against sum
-log2 of the float model (``information_content``; for constriction, whose quantized
model we cannot read, only this one).

    python bench/bench_models.py                       # full run (a few minutes)
    python bench/bench_models.py --smoke --out-dir DIR # small N, one small file (seconds)

Writes bench/results/models.json and models.md.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchlib, also when loaded by path
from benchlib import REPO, RESULTS, SHARED_CORPORA, _script, machine_info  # noqa: E402

from entropycodec.coders.arithmetic import arithmetic_decode, arithmetic_encode  # noqa: E402
from entropycodec.coders.rans import rans_decode, rans_encode  # noqa: E402
from entropycodec.models import Categorical, ContextModel, QuantizedGaussian  # noqa: E402

CANTERBURY_TEXT = ("alice29.txt", "asyoulik.txt", "cp.html", "fields.c", "grammar.lsp",
                   "lcet10.txt", "plrabn12.txt", "xargs.1")
LARGE_TEXT = ("bible.txt", "world192.txt")  # beside the target's files, not part of it
SMOKE_FILE = REPO / "corpora" / "markov.txt"
GAUSSIAN_RANGE = 127  # symbols in [-R, R]
TARGET_SPEEDUP = 2.0
TARGET_POSITIONAL_EXCESS = 1e-4  # 0.01%
TARGET_CONTEXT_EXCESS = 1e-3     # 0.1%


def best_of(fns: dict, rounds: int) -> tuple[dict, dict]:
    """Round robin over {name: fn}: ({name: best seconds}, {name: last result})."""
    best, out = {k: math.inf for k in fns}, {}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            out[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best, out


# -- the data ---------------------------------------------------------------------------------

def categorical_data(n: int, k: int, seed: int = 0, chunk: int = 1 << 16):
    """(rows n x k float64, symbols int32 drawn from them): softmax(2 z) rows, z ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    rows = np.empty((n, k), dtype=np.float64)
    symbols = np.empty(n, dtype=np.int32)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        z = 2.0 * rng.standard_normal((hi - lo, k))
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        rows[lo:hi] = z
        u = rng.random(hi - lo)[:, None]
        symbols[lo:hi] = np.minimum((np.cumsum(z, axis=1) < u).sum(axis=1), k - 1)
    return rows, symbols


def gaussian_data(n: int, seed: int = 1):
    """(means, stds, symbols int32 in [-R, R]): means ~ N(0, 20^2), stds ~ U(0.5, 10)."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0.0, 20.0, n)
    stds = rng.uniform(0.5, 10.0, n)
    x = np.clip(np.rint(rng.normal(means, stds)), -GAUSSIAN_RANGE, GAUSSIAN_RANGE)
    return means, stds, x.astype(np.int32)


# -- the positional runs ----------------------------------------------------------------------

def positional_run(name: str, make_model, symbols: np.ndarray, offset: int,
                   constriction_calls, rounds: int) -> dict:
    """Our rANS and range coder with ``make_model()`` beside constriction's calls.

    ``offset``: subtracted from the symbols to make indices (-low for the quantized
    families); ``constriction_calls``: {name: (encode(), decode(payload))}."""
    n = symbols.size
    ours = {"rans": (rans_encode, rans_decode), "arithmetic": (arithmetic_encode, arithmetic_decode)}
    warm = make_model()
    for enc, dec in ours.values():  # compile / load the kernels for these dtypes
        dec(enc(symbols - offset, warm), n, warm)
    del warm
    enc_fns, dec_fns = {}, {}
    for coder, (enc, _) in ours.items():
        enc_fns[f"ours-{coder}"] = lambda enc=enc: enc(symbols - offset, make_model())
    for peer, (enc, _) in constriction_calls.items():
        enc_fns[peer] = enc
    t_enc, payloads = best_of(enc_fns, rounds)
    for coder, (_, dec) in ours.items():
        p = payloads[f"ours-{coder}"]
        dec_fns[f"ours-{coder}"] = lambda dec=dec, p=p: dec(p, n, make_model())
    for peer, (_, dec) in constriction_calls.items():
        dec_fns[peer] = lambda dec=dec, p=payloads[peer]: dec(p)
    t_dec, decoded = best_of(dec_fns, rounds)
    for m, out in decoded.items():
        back = np.asarray(out).astype(np.int64) + (offset if m.startswith("ours-") else 0)
        if not np.array_equal(back, symbols):
            raise SystemExit(f"bench_models.py: {name}: {m}: round trip failed")
    t_model, _ = best_of({"model": make_model}, rounds)  # inside each of our timed calls
    model = make_model()
    coded_bits = float(model.coded_information(symbols).sum())  # symbols, not indices
    float_bits = float(model.information_content(symbols).sum())
    rows = {}
    for m in enc_fns:
        p = payloads[m]
        bits = 8 * len(p) if isinstance(p, bytes) else 32 * p.size
        rows[m] = {"payload_bits": bits,
                   "encode_msym_s": n / t_enc[m] / 1e6, "decode_msym_s": n / t_dec[m] / 1e6,
                   "encode_seconds": t_enc[m], "decode_seconds": t_dec[m],
                   "excess_vs_float_model": bits / float_bits - 1}
        if m.startswith("ours-"):
            rows[m]["excess_vs_coded_information"] = bits / coded_bits - 1
            # the same calls less the model's construction (its checks of the parameters)
            rows[m]["encode_msym_s_model_excluded"] = n / max(t_enc[m] - t_model["model"], 1e-9) / 1e6
            rows[m]["decode_msym_s_model_excluded"] = n / max(t_dec[m] - t_model["model"], 1e-9) / 1e6
    res = {"n": n, "alphabet_size": model.alphabet_size, "scale_bits": model.scale_bits,
           "model_construction_seconds": t_model["model"],
           "coded_information_bits": coded_bits, "information_content_bits": float_bits,
           "methods": rows}
    if "constriction-ans" in rows:
        c = rows["constriction-ans"]
        res["rans_vs_constriction_ans"] = {
            "encode": rows["ours-rans"]["encode_msym_s"] / c["encode_msym_s"],
            "decode": rows["ours-rans"]["decode_msym_s"] / c["decode_msym_s"]}
    if "constriction-range" in rows:
        c = rows["constriction-range"]
        res["arithmetic_vs_constriction_range"] = {
            "encode": rows["ours-arithmetic"]["encode_msym_s"] / c["encode_msym_s"],
            "decode": rows["ours-arithmetic"]["decode_msym_s"] / c["decode_msym_s"]}
    print(f"{name}: " + "  ".join(f"{m} {r['encode_msym_s']:.2f}/{r['decode_msym_s']:.2f} Msym/s"
                                  for m, r in rows.items()), file=sys.stderr)
    return res


def constriction_calls(cmodel, n: int, *params):
    """constriction's AnsCoder and RangeEncoder with a model family and its parameters."""
    import constriction

    def ans_enc(symbols):
        coder = constriction.stream.stack.AnsCoder()
        coder.encode_reverse(symbols, cmodel, *params)
        return coder.get_compressed()

    def ans_dec(words):
        return constriction.stream.stack.AnsCoder(words).decode(cmodel, *params)

    def range_enc(symbols):
        coder = constriction.stream.queue.RangeEncoder()
        coder.encode(symbols, cmodel, *params)
        return coder.get_compressed()

    def range_dec(words):
        return constriction.stream.queue.RangeDecoder(words).decode(cmodel, *params)

    return {"constriction-ans": (ans_enc, ans_dec), "constriction-range": (range_enc, range_dec)}


def with_symbols(calls: dict, symbols):
    return {k: (lambda enc=enc: enc(symbols), dec) for k, (enc, dec) in calls.items()}


def categorical_run(n: int, k: int, rounds: int, peers: bool) -> dict:
    rows, symbols = categorical_data(n, k)
    calls = {}
    if peers:
        import constriction

        family = constriction.stream.model.Categorical(perfect=False)
        calls = with_symbols(constriction_calls(family, n, rows), symbols)
    res = positional_run(f"Categorical K={k}", lambda: Categorical(rows), symbols, 0, calls, rounds)
    res["rows_dtype"] = str(rows.dtype)
    return res


def gaussian_run(n: int, rounds: int, peers: bool) -> dict:
    means, stds, symbols = gaussian_data(n)
    R = GAUSSIAN_RANGE
    calls = {}
    if peers:
        import constriction

        family = constriction.stream.model.QuantizedGaussian(-R, R)
        calls = with_symbols(constriction_calls(family, n, means, stds), symbols)
    res = positional_run("QuantizedGaussian", lambda: QuantizedGaussian(means, stds, -R, R),
                         symbols, -R, calls, rounds)
    res["range"] = [-R, R]
    return res


# -- the context model runs -------------------------------------------------------------------

def context_run(path: Path, order: int, rounds: int) -> dict:
    """Fit, describe and code ``path`` with an order-``order`` ContextModel, both coders."""
    data = path.read_bytes()
    n = len(data)
    m = ContextModel.fit(data, order=order)
    desc = m.description()
    idx = m.to_indices(data)
    coded_bits = float(m.coded_information(data).sum())
    float_bits = float(m.information_content(data).sum())
    out = {"bytes": n, "contexts": m.contexts, "description_bytes": len(desc),
           "coded_information_bits": coded_bits, "conditional_entropy_bits": float_bits,
           "coders": {}}
    for coder, enc, dec in (("rans", rans_encode, rans_decode),
                            ("arithmetic", arithmetic_encode, arithmetic_decode)):
        def encode(enc=enc):
            model = ContextModel.fit(data, order=order)
            return model.description(), enc(model.to_indices(data), model)

        def decode(blob, dec=dec):
            d, payload = blob
            return dec(payload, n, ContextModel.from_description(d))

        t, o = best_of({"encode": encode}, rounds)
        t_enc, blob = t["encode"], o["encode"]
        t, o = best_of({"decode": lambda blob=blob: decode(blob)}, rounds)
        t_dec, back = t["decode"], o["decode"]
        if blob[0] != desc or not np.array_equal(np.asarray(back, dtype=np.int64), idx):
            raise SystemExit(f"bench_models.py: context order {order} on {path.name}: "
                             "round trip failed")
        bits = 8 * len(blob[1])
        out["coders"][coder] = {
            "payload_bits": bits, "excess_vs_coded_information": bits / coded_bits - 1,
            "excess_bits": bits - coded_bits,
            "total_bytes": len(blob[1]) + len(desc),
            "encode_mb_s": n / t_enc / 1e6, "decode_mb_s": n / t_dec / 1e6}
    return out


# -- targets and report -----------------------------------------------------------------------

def check_targets(res: dict) -> dict:
    t = {}
    for key in ("categorical_k16", "categorical_k256", "gaussian"):
        r = res.get(key)
        if not r:
            continue
        if "rans_vs_constriction_ans" in r:
            for way in ("encode", "decode"):
                v = r["rans_vs_constriction_ans"][way]
                t[f"{key}_rans_{way}_vs_constriction"] = {
                    "value": v, "bound": TARGET_SPEEDUP, "op": ">=", "met": v >= TARGET_SPEEDUP}
        for coder in ("rans", "arithmetic"):
            v = r["methods"][f"ours-{coder}"]["excess_vs_coded_information"]
            t[f"{key}_{coder}_payload_excess"] = {
                "value": v, "bound": TARGET_POSITIONAL_EXCESS, "op": "<=",
                "met": v <= TARGET_POSITIONAL_EXCESS}
    ctx = res.get("context", {})
    for order in ("1", "2"):
        for coder in ("rans", "arithmetic"):
            rows = {f: r[order]["coders"][coder]["excess_vs_coded_information"]
                    for f, r in ctx.items() if f in res["params"]["context_target_files"]}
            if rows:
                f = max(rows, key=rows.get)
                t[f"context_order{order}_{coder}_payload_excess_every_file"] = {
                    "value": rows[f], "where": f, "bound": TARGET_CONTEXT_EXCESS, "op": "<=",
                    "met": rows[f] <= TARGET_CONTEXT_EXCESS}
    return t


def markdown(res: dict) -> str:
    p = res["params"]
    lines = ["# Per-position models: our coders beside constriction", "",
             f"Question: encode/decode speed (M symbols/s, best of {p['rounds']} round-robin "
             "runs, model built in the call) and payload against the information carried, for "
             "per-position Categorical rows, QuantizedGaussian and ContextModel. Excess = "
             "payload / bound - 1; the bound is sum -log2 of the quantized model "
             "(coded_information) for ours, of the float model for constriction.", "",
             "## Targets", "", "| target | measured | bound | where | met |", "|---|---:|---:|---|---|"]
    for key, v in res["targets"].items():
        lines.append(f"| {key} | {v['value']:.4g} | {v['op']} {v['bound']:g} | "
                     f"{v.get('where', '')} | {'yes' if v['met'] else '**no**'} |")
    for key, title in (("categorical_k16", "Categorical, K = 16"),
                       ("categorical_k256", "Categorical, K = 256"),
                       ("gaussian", "QuantizedGaussian")):
        r = res.get(key)
        if not r:
            continue
        lines += ["", f"## {title}, N = {r['n']:,} (scale_bits {r['scale_bits']})", "",
                  f"sum -log2 q_i(x_i): float model {r['information_content_bits']:,.0f} bits, "
                  f"quantized (coded) {r['coded_information_bits']:,.0f} bits. Building our model "
                  f"(inside every timed call of ours) takes {r['model_construction_seconds']:.3f} s; "
                  "the columns in brackets are our speeds without it.", "",
                  "| method | encode Msym/s | decode Msym/s | (encode, decode without the model) | "
                  "payload bits | excess vs coded | excess vs float |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for m, row in r["methods"].items():
            ec = row.get("excess_vs_coded_information")
            bare = (f"({row['encode_msym_s_model_excluded']:.2f}, "
                    f"{row['decode_msym_s_model_excluded']:.2f})" if ec is not None else "")
            lines.append(f"| {m} | {row['encode_msym_s']:.2f} | {row['decode_msym_s']:.2f} | "
                         f"{bare} | {row['payload_bits']:,} | {'' if ec is None else f'{ec:.3e}'} | "
                         f"{row['excess_vs_float_model']:.3e} |")
        for rk, label in (("rans_vs_constriction_ans", "ours-rans / constriction-ans"),
                          ("arithmetic_vs_constriction_range",
                           "ours-arithmetic / constriction-range")):
            if rk in r:
                lines.append(f"\nSpeed ratio {label}: encode {r[rk]['encode']:.2f}x, "
                             f"decode {r[rk]['decode']:.2f}x.")
    ctx = res.get("context")
    if ctx:
        lines += ["", "## ContextModel (orders 1 and 2)", "",
                  "coded = sum -log2 of the quantized model (n H(X | context) as coded); "
                  "H = the same with the unquantized counts; desc = the description's bytes, "
                  "coded separately. Files outside the target are marked +.", "",
                  "| file | order | bytes | contexts | H bits | coded bits | desc bytes | "
                  "rans excess | arith excess | rans total bytes | rans enc/dec MB/s | "
                  "arith enc/dec MB/s |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for f, by_order in ctx.items():
            mark = "" if f in p["context_target_files"] else "+"
            for order, r in by_order.items():
                ra, ar = r["coders"]["rans"], r["coders"]["arithmetic"]
                lines.append(
                    f"| {f}{mark} | {order} | {r['bytes']:,} | {r['contexts']:,} | "
                    f"{r['conditional_entropy_bits']:,.0f} | {r['coded_information_bits']:,.0f} | "
                    f"{r['description_bytes']:,} | {ra['excess_vs_coded_information']:.2e} | "
                    f"{ar['excess_vs_coded_information']:.2e} | {ra['total_bytes']:,} | "
                    f"{ra['encode_mb_s']:.1f}/{ra['decode_mb_s']:.1f} | "
                    f"{ar['encode_mb_s']:.1f}/{ar['decode_mb_s']:.1f} |")
    if res.get("missing"):
        lines += ["", "Not run: " + "; ".join(f"{k} ({v})" for k, v in res["missing"].items())]
    return "\n".join(lines) + "\n"


def write(out: Path, res: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "models.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    m = res["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    footer = (f"\n\nMachine: {m['cpu']}, {m['logical_cores']} logical cores, Python {m['python']}, "
              f"{versions}; {m['date_utc']} UTC. Generated by bench/{_script('bench_models')}; "
              "do not edit.\n")
    (out / "models.md").write_text(markdown(res).rstrip() + footer, encoding="utf-8")


def context_files(smoke: bool) -> tuple[list[Path], list[str]]:
    if smoke:
        return [SMOKE_FILE], [SMOKE_FILE.name]
    paths = []
    for sub, names in (("canterbury", CANTERBURY_TEXT), ("large", LARGE_TEXT)):
        for name in names:
            path = SHARED_CORPORA / sub / name
            if not path.is_file():
                sys.exit(f"bench_models.py: corpus file not found: {path} "
                         "(set ENTROPYCODEC_CORPORA, or use --smoke)")
            paths.append(path)
    return paths, list(CANTERBURY_TEXT)


def run(*, n: int, rounds: int, smoke: bool) -> dict:
    missing = {}
    try:
        import constriction  # noqa: F401
        peers = True
    except ImportError:
        peers = False
        missing["constriction"] = "not installed (pip install 'entropycodec[bench]')"
    paths, target_files = context_files(smoke)
    res = {"benchmark": "models", "machine": machine_info("constriction"),
           "params": {"n": n, "rounds": rounds, "gaussian_range": GAUSSIAN_RANGE,
                      "context_files": [str(p) for p in paths],
                      "context_target_files": target_files},
           "missing": missing}
    res["categorical_k16"] = categorical_run(n, 16, rounds, peers)
    res["categorical_k256"] = categorical_run(n, 256, rounds, peers)  # n x 256 float64: 2 GB at 10^6
    res["gaussian"] = gaussian_run(n, rounds, peers)
    res["context"] = {}
    for path in paths:
        res["context"][path.name] = {str(k): context_run(path, k, rounds) for k in (1, 2)}
        print(f"context {path.name}: " + "  ".join(
            f"order {k} rans excess {r['coders']['rans']['excess_vs_coded_information']:.2e}"
            for k, r in res["context"][path.name].items()), file=sys.stderr)
    res["targets"] = check_targets(res)
    return res


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true",
                    help=f"N = 2000, one round, the context model on {SMOKE_FILE.name}")
    ap.add_argument("--n", type=int, default=None, help="symbols per positional run (10^6)")
    ap.add_argument("--rounds", type=int, default=3, help="best of N round-robin runs (default 3)")
    ap.add_argument("--out-dir", type=Path, default=None,
                    help="where models.json/.md go (default bench/results; smoke: required)")
    args = ap.parse_args(argv)
    if args.smoke and args.out_dir is None:
        ap.error("--smoke needs --out-dir (the smoke run must not overwrite bench/results)")
    n = args.n or (2000 if args.smoke else 10 ** 6)
    res = run(n=n, rounds=1 if args.smoke else args.rounds, smoke=args.smoke)
    write(args.out_dir or RESULTS, res)
    print(markdown(res))
    return res


if __name__ == "__main__":
    main()
