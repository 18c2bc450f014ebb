"""Experiment ``length``: the finite-length overhead of each coder as the message grows.

Question: how many bits per symbol do the *fixed* costs of a coder add to a
message of n symbols, for n from 10 to 10**6 (10**7 with ``max_n``)?

Each message is the first n bytes of one seeded i.i.d. sample over ``ABCD``
with p = 0.5/0.2/0.2/0.1 (H = 1.761 bits). The bit accounting of
:func:`entropycodec.analyze` splits every coder's total into parts; the fixed
costs are

* ``header``: the model description a decoder needs (for a byte alphabet the
  .ec container's compact description, a few bytes; 0 for the adaptive coder);
* ``termination``: what the payload spends beyond the ideal code length of the
  coded symbols: the range coder's final bytes, rANS's flushed lane states
  (4 x 64 bits), the padding of the last byte.

Both are O(1) per message, so per symbol they fall like 1/n: a straight line of
slope -1 on the log-log plot. The remaining parts (quantization, Huffman's
integer lengths, the learning cost of the adaptive and cm coders, which send no
model and whose termination is not reported apart) are in the total overhead.

>>> r = run_length(max_n=1000, seed=0, coders=("arithmetic",))
>>> [pt["n"] for pt in r["points"]][:4]
[10, 20, 50, 100]
>>> pt = r["points"][-1]["coders"]["arithmetic"]
>>> pt["fixed_bits"] == pt["header_bits"] + pt["termination_bits"]
True
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidInputError
from .output import available_coders, progress, require_matplotlib, save_figure

__all__ = ["LENGTH_CODERS", "SOURCE_P", "plot_length", "run_length"]

LENGTH_CODERS = ("huffman", "arithmetic", "rans", "adaptive", "cm")
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
    from ..report import analyze

    max_n = int(max_n)
    if not 10 <= max_n <= MAX_N_LIMIT:
        raise InvalidInputError(f"max_n must be in 10..{MAX_N_LIMIT:,}, got {max_n}")
    names, skipped = available_coders(coders)
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(SOURCE_SYMBOLS, dtype=np.uint8)
    sample = alphabet[rng.choice(alphabet.size, size=max_n, p=SOURCE_P)]
    sizes = _grid(max_n)
    points = []
    with progress(len(sizes), "length", enabled=show_progress) as bar:
        for n in sizes:
            data = sample[:n]
            report = analyze(data, coders=names)
            point = {"n": n, "empirical_entropy_bits_per_symbol": report.entropy_bits_per_symbol,
                     "coders": {}}
            for name, acc in report.coders.items():
                parts = {k: float(v) for k, v in acc.overhead_bits.items()}
                header = parts.get("header", 0.0)
                term = parts.get("termination", 0.0)
                point["coders"][name] = {
                    "total_bits": acc.total_bits,
                    "bits_per_symbol": acc.bits_per_symbol,
                    "header_bits": header,
                    "termination_bits": term,
                    "fixed_bits": header + term,
                    "fixed_bits_per_symbol": (header + term) / n,
                    "overhead_bits_per_symbol": acc.bits_per_symbol - report.entropy_bits_per_symbol,
                    "overhead_bits": parts,
                }
            points.append(point)
            bar.update(1)
    return {
        "experiment": "length",
        "params": {"max_n": max_n, "seed": seed, "coders": list(coders)},
        "source": {"symbols": SOURCE_SYMBOLS.decode(), "p": list(SOURCE_P),
                   "entropy_bits_per_symbol": float(-(np.log2(SOURCE_P) * SOURCE_P).sum())},
        "points": points,
        "skipped_coders": skipped,
    }


_STYLE = {"huffman": ("s", "tab:red"), "arithmetic": ("o", "tab:blue"),
          "rans": ("x", "tab:green"), "adaptive": ("^", "tab:purple"), "cm": ("v", "tab:brown")}


def plot_length(result: dict, path) -> None:
    """Log-log plot of the fixed overhead (header + termination) in bits per symbol against n."""
    plt = require_matplotlib()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    pts = result["points"]
    ns = [pt["n"] for pt in pts]
    for name in pts[0]["coders"] if pts else []:
        marker, color = _STYLE.get(name, ("d", None))
        fixed = [pt["coders"][name]["fixed_bits_per_symbol"] for pt in pts]
        over = [pt["coders"][name]["overhead_bits_per_symbol"] for pt in pts]
        if any(v > 0 for v in fixed):
            xs, ys = zip(*[(n, v) for n, v in zip(ns, fixed) if v > 0])
            axes[0].loglog(xs, ys, marker + "-", color=color, lw=0.8, ms=5,
                           mfc="none" if marker != "x" else None, label=name)
        axes[1].semilogx(ns, over, marker + "-", color=color, lw=0.8, ms=5,
                         mfc="none" if marker != "x" else None, label=name)
    axes[0].loglog(ns, [64.0 / n for n in ns], "k:", lw=1, label="64 bits / n (slope -1)")
    axes[0].set_title("fixed cost: (header + termination) / n")
    axes[0].set_ylabel("bits per symbol (log scale)")
    axes[1].axhline(0, color="k", lw=0.8)
    axes[1].set_title("total overhead: rate - H(P^) (all parts)")
    axes[1].set_ylabel("bits per symbol")
    axes[1].set_ylim(-0.05, 1.0)
    for ax in axes:
        ax.set_xlabel("message length n (symbols, log scale)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle("Finite-length overhead, i.i.d. ABCD source p = 0.5/0.2/0.2/0.1 (H = 1.761 bits)")
    fig.tight_layout()
    if any(name in ("adaptive", "cm") for name in (pts[0]["coders"] if pts else ())):
        fig.text(0.01, -0.02, "Left: the adaptive coder sends nothing ahead (not drawn) and cm only "
                 "its 1-byte level; their termination is part of their learning cost (right).",
                 fontsize=8, ha="left")
    save_figure(fig, path)
