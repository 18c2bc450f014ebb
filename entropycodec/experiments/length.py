"""Experiment ``length``: the finite-length overhead of each coder as the message grows.

Question: how many bits per symbol do the *fixed* costs of a coder add to a
message of n symbols, for n from 10 to 10**6 (10**7 with ``max_n``)?

Each message is the first n bytes of one seeded i.i.d. sample over ``ABCD``
with p = 0.5/0.2/0.2/0.1 (H = 1.761 bits). The bit accounting of
:func:`entropycodec.analyze` splits every coder's total into parts; the fixed
costs are

* ``header``: the model description a decoder needs (for a byte alphabet the
  .ec container's compact description, a few bytes);
* ``termination``: what the payload spends beyond the ideal code length of the
  coded symbols: the range coder's final bytes, rANS's flushed lane states
  (4 x 64 bits), the padding of the last byte.

Both are O(1) per message, so per symbol they fall like 1/n: a straight line of
slope -1 on the log-log plot. The remaining parts (quantization, Huffman's
integer lengths) are in the total overhead, ``total_overhead_bits`` = total
bits - n H(P^), H(P^) the empirical entropy of the n symbols.

The adaptive and cm coders learn their model while coding: they send no model
(cm only its 1-byte level) and their termination is not separable from their
learning cost (``adaptation``, ``context_modelling``). For them
``termination_bits``, ``fixed_bits`` and ``fixed_bits_per_symbol`` are None,
and their real cost is the total overhead.

>>> r = run_length(max_n=1000, seed=0, coders=("arithmetic", "adaptive"))
>>> [pt["n"] for pt in r["points"]][:4]
[10, 20, 50, 100]
>>> pt = r["points"][-1]["coders"]["arithmetic"]
>>> pt["fixed_bits"] == pt["header_bits"] + pt["termination_bits"]
True
>>> ad = r["points"][-1]["coders"]["adaptive"]
>>> ad["fixed_bits"] is None, round(ad["total_overhead_bits"], 1), round(ad["overhead_bits_per_symbol"], 4)
(True, 91.0, 0.091)
"""

from __future__ import annotations

import numpy as np

from entropycodec.coders import LEARNING_CODERS, SYMBOL_CODERS
from entropycodec.errors import InvalidInputError
from entropycodec.experiments.output import check_coders, progress, require_matplotlib, save_figure
from entropycodec.views import ExperimentResult

__all__ = ["LENGTH_CODERS", "SOURCE_P", "length_figure", "length_table", "plot_length", "run_length"]

LENGTH_CODERS = SYMBOL_CODERS  # every coder of symbols (the registry's)
SOURCE_SYMBOLS = b"ABCD"
SOURCE_P = (0.5, 0.2, 0.2, 0.1)
MAX_N_DEFAULT = 10**6
MAX_N_LIMIT = 10**7


def _grid(max_n: int) -> list[int]:
    """10, 20, 50, 100, 200, 500, ... up to max_n (included)."""
    out, decade = [], 10
    while decade <= max_n:
        out += [m * decade for m in (1, 2, 5) if m * decade <= max_n]
        decade *= 10
    if out[-1] != max_n:
        out.append(max_n)
    return out


def run_length(*, max_n: int = MAX_N_DEFAULT, seed: int = 0, coders=LENGTH_CODERS,
               show_progress: bool = False) -> dict:
    """Run the experiment for n in 10, 20, 50, ... up to ``max_n`` (at most 10**7)."""
    from entropycodec.report import analyze

    max_n = int(max_n)
    if not 10 <= max_n <= MAX_N_LIMIT:
        raise InvalidInputError(f"max_n must be in 10..{MAX_N_LIMIT:,}, got {max_n}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInputError(f"seed must be an integer >= 0, got {seed!r}")
    seed = int(seed)
    names = check_coders(coders, SYMBOL_CODERS, "length")
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(SOURCE_SYMBOLS, dtype=np.uint8)
    sample = alphabet[rng.choice(alphabet.size, size=max_n, p=SOURCE_P)]
    sizes = _grid(max_n)
    points = []
    with progress(len(sizes), "length", enabled=show_progress) as bar:
        for n in sizes:
            data = sample[:n]
            report = analyze(data, coders=names)
            h = report.entropy_bits_per_symbol
            point = {"n": n, "empirical_entropy_bits_per_symbol": h, "coders": {}}
            for name, acc in report.coders.items():
                parts = {k: float(v) for k, v in acc.overhead_bits.items()}
                header = parts.get("header", 0.0)
                # the learning coders' termination is inside their learning cost: not separable
                term = None if name in LEARNING_CODERS else parts.get("termination", 0.0)
                fixed = None if term is None else header + term
                point["coders"][name] = {
                    "total_bits": acc.total_bits,
                    "bits_per_symbol": acc.bits_per_symbol,
                    "header_bits": header,
                    "termination_bits": term,
                    "fixed_bits": fixed,
                    "fixed_bits_per_symbol": None if fixed is None else fixed / n,
                    "total_overhead_bits": acc.total_bits - n * h,
                    "overhead_bits_per_symbol": acc.bits_per_symbol - h,
                    "overhead_bits": parts,
                }
            points.append(point)
            bar.update(1)
    return ExperimentResult({
        "experiment": "length",
        "params": {"max_n": max_n, "seed": seed, "coders": names},
        "source": {"symbols": SOURCE_SYMBOLS.decode(), "p": list(SOURCE_P),
                   "entropy_bits_per_symbol": float(-(np.log2(SOURCE_P) * SOURCE_P).sum())},
        "points": points,
    })


def length_table(result: dict) -> str:
    """The summary the command prints: fixed cost per symbol, then total overhead per symbol.

    A learning coder (adaptive, cm) has no separable fixed cost: "-" in the first
    block, with a note; its real cost is in the second block.

    >>> print(length_table(run_length(max_n=20, coders=("rans", "adaptive"))))
    fixed cost: (header + termination) / n, bits per symbol
            n        rans    adaptive
           10    12.42905           -
           20     6.15356           -
    total overhead: (total bits - n H(P^)) / n, bits per symbol
            n        rans    adaptive
           10    12.42905     3.62905
           20     6.15356     2.15356
    -: no separate fixed cost (adaptive learns its model while coding): see the total overhead
    """
    pts = result["points"]
    cols = list(pts[0]["coders"]) if pts else []
    head = f"{'n':>9} " + " ".join(f"{c:>11}" for c in cols)

    def cell(v) -> str:
        return f"{'-':>11}" if v is None else f"{v:>11.5f}"

    lines = ["fixed cost: (header + termination) / n, bits per symbol", head]
    lines += [f"{pt['n']:>9} " + " ".join(cell(pt["coders"][c]["fixed_bits_per_symbol"]) for c in cols)
              for pt in pts]
    lines += ["total overhead: (total bits - n H(P^)) / n, bits per symbol", head]
    lines += [f"{pt['n']:>9} " + " ".join(cell(pt["coders"][c]["overhead_bits_per_symbol"]) for c in cols)
              for pt in pts]
    learning = [c for c in cols if c in LEARNING_CODERS]
    if learning:
        lines.append(f"-: no separate fixed cost ({' and '.join(learning)} "
                     f"{'learns its' if len(learning) == 1 else 'learn their'} model while coding): "
                     "see the total overhead")
    return "\n".join(lines)


_STYLE = {"huffman": ("s", "tab:red"), "arithmetic": ("o", "tab:blue"),
          "rans": ("x", "tab:green"), "adaptive": ("^", "tab:purple"), "cm": ("v", "tab:brown")}


def length_figure(result: dict):
    """The figure of :func:`plot_length`, as a matplotlib Figure (not saved).

    Left: the fixed cost (header + termination) / n, log-log, for the coders that
    have one. Right: the total overhead (rate - H(P^)) of every coder, log-log,
    so that every n from 10 on is on the axis.
    """
    plt = require_matplotlib()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    pts = result["points"]
    ns = [pt["n"] for pt in pts]
    names = list(pts[0]["coders"]) if pts else []
    right = []
    for name in names:
        marker, color = _STYLE.get(name, ("d", None))
        style = dict(color=color, lw=0.8, ms=5, mfc="none" if marker != "x" else None, label=name)
        fixed = [pt["coders"][name]["fixed_bits_per_symbol"] for pt in pts]
        over = [pt["coders"][name]["overhead_bits_per_symbol"] for pt in pts]
        shown = [(n, v) for n, v in zip(ns, fixed) if v is not None and v > 0]
        if shown:
            axes[0].loglog(*zip(*shown), marker + "-", **style)
        right += [v for v in over if v > 0]
        # a total below the bound (possible for cm on structured data) cannot sit on a log axis
        shown = [(n, v) for n, v in zip(ns, over) if v > 0]
        if shown:
            axes[1].loglog(*zip(*shown), marker + "-", **style)
    if ns:
        axes[0].loglog(ns, [64.0 / n for n in ns], "k:", lw=1, label="64 bits / n (slope -1)")
    axes[0].set_title("fixed cost: (header + termination) / n")
    axes[1].set_title("total overhead: rate - H(P^) (all parts)")
    if right:
        # a margin of a factor 1.5 on both sides: every n, from the costliest short message on
        axes[1].set_ylim(min(right) / 1.5, max(right) * 1.5)
    for ax in axes:
        ax.set_xlabel("message length n (symbols, log scale)")
        ax.set_ylabel("bits per symbol (log scale)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle("Finite-length overhead, i.i.d. ABCD source p = 0.5/0.2/0.2/0.1 (H = 1.761 bits)")
    learning = [name for name in names if name in LEARNING_CODERS]
    if learning:
        they = " and ".join(learning)
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        fig.text(0.01, 0.01, f"Left: {they} not drawn. A learning coder sends no model ahead (cm: only its "
                 "1-byte level) and has no separate termination:\nits whole cost is the total overhead "
                 "(right).", fontsize=8, ha="left")
    else:
        fig.tight_layout()
    return fig


def plot_length(result: dict, path) -> None:
    """Log-log plots of the fixed overhead and the total overhead in bits per symbol against n."""
    save_figure(length_figure(result), path)
