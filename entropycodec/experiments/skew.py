"""Experiment ``skew``: Huffman's redundancy as a source goes from uniform to extremely skewed.

Question: on sources whose most likely symbol has probability p_max (binary:
p, 1 - p; a k-symbol source: p_max and the rest shared equally), how far above
the entropy does each coder land?

Theory: a Huffman code spends a whole number of bits on every symbol, so on a
binary source it spends exactly 1 bit per symbol however skewed the source is,
while h(p) tends to 0: its redundancy 1 - h(p) tends to 1 bit per symbol.
Known upper bounds on the redundancy R = L - H of a Huffman code:

* Gallager (1978): R <= p_max + 0.086 (0.086 = 1 - log2 e + log2 log2 e);
* for p_max >= 1/2 (also Gallager 1978; Johnsen 1980 extended it to p_max >= 2/5):
  R <= 2 - p_max - h(p_max). It is approached by (p_max, 1 - p_max - e, e) as
  e -> 0, not by binary sources, whose Huffman redundancy is 1 - h(p_max).

Arithmetic coding and rANS code fractions of a bit and stay within a few
thousandths of a bit per symbol of the entropy at any skew.

Each point codes ``n`` symbols drawn from its own generator, seeded by
(``seed``, k, round(p_max * 10**6)) alone: a point does not depend on which
other points are in the run. Redundancies are measured against the empirical
entropy of the sample (payload bits only; the model header is reported apart),
the bounds use the sample's p_max.

>>> r = run_skew(n=5000, binary_p=[0.5, 0.99], alphabet_sizes=(), seed=3)
>>> [pt["coders"]["huffman"]["bits_per_symbol"] for pt in r["series"][0]["points"]]
[1.0, 1.0]
"""

from __future__ import annotations

import math

import numpy as np

from entropycodec.coders import FREQUENCY_CODERS, MODEL_CODERS, SYMBOL_CODERS
from entropycodec.errors import InvalidInputError
from entropycodec.experiments.output import check_coders, progress, require_matplotlib, save_figure
from entropycodec.measures import entropy
from entropycodec.views import ExperimentResult

__all__ = [
    "DEFAULT_BINARY_P",
    "SKEW_CODERS",
    "binary_entropy",
    "gallager_bound",
    "plot_skew",
    "pmax_half_bound",
    "point_rng",
    "run_skew",
    "skew_figure",
]

DEFAULT_BINARY_P = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
DEFAULT_ALPHABET_SIZES = (3, 4, 8)
SKEW_CODERS = MODEL_CODERS  # the static coders, whose redundancy the known bounds are about
GALLAGER_CONSTANT = 1 - math.log2(math.e) + math.log2(math.log2(math.e))  # 0.0860713...


def binary_entropy(p: float) -> float:
    """h(p) = -p log2 p - (1-p) log2 (1-p), with h(0) = h(1) = 0.

    >>> binary_entropy(0.5), round(binary_entropy(0.99), 6)
    (1.0, 0.080793)
    """
    if p <= 0 or p >= 1:
        return 0.0
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def gallager_bound(p_max: float) -> float:
    """Gallager's bound on Huffman redundancy: p_max + 0.086 bits per symbol."""
    return p_max + GALLAGER_CONSTANT


def pmax_half_bound(p_max: float) -> float | None:
    """2 - p_max - h(p_max) for p_max >= 1/2 (None below 1/2, where it does not apply)."""
    return 2 - p_max - binary_entropy(p_max) if p_max >= 0.5 else None


def _source(k: int, p_max: float) -> np.ndarray:
    p = np.full(k, (1 - p_max) / (k - 1))
    p[0] = p_max
    return p


def point_rng(seed: int, k: int, p_max: float) -> np.random.Generator:
    """The generator of one point: seeded by (seed, k, p_max to 6 decimals) alone.

    >>> a = point_rng(0, 2, 0.9).random()
    >>> a == point_rng(0, 2, 0.9).random(), a == point_rng(0, 2, 0.99).random()
    (True, False)
    """
    return np.random.default_rng([seed, k, round(p_max * 10**6)])


def _grid(k: int, binary_p) -> list[float]:
    if k == 2:
        return [float(x) for x in binary_p]
    # from uniform (1/k) to 0.999, denser near the skewed end
    tail = [0.5, 0.7, 0.9, 0.95, 0.99, 0.999]
    return [1.0 / k] + [x for x in tail if x > 1.0 / k + 1e-9]


def run_skew(*, n: int = 100_000, binary_p=DEFAULT_BINARY_P,
             alphabet_sizes=DEFAULT_ALPHABET_SIZES, seed: int = 0, coders=SKEW_CODERS,
             show_progress: bool = False) -> dict:
    """Run the experiment: one series for binary sources and one per size in ``alphabet_sizes``."""
    from entropycodec.sequence import encode

    n = int(n)
    if not 1 <= n <= 10**8:
        raise InvalidInputError(f"n must be in 1..10**8, got {n}")
    for p in binary_p:
        if not 0.5 <= float(p) < 1:
            raise InvalidInputError(f"binary p must lie in [0.5, 1), got {p}")
    sizes = [2] * bool(len(binary_p)) + [int(k) for k in alphabet_sizes]
    if any(k < 2 or k > 256 for k in sizes):
        raise InvalidInputError("alphabet sizes must lie in 2..256")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInputError(f"seed must be an integer >= 0, got {seed!r}")
    seed = int(seed)
    names = check_coders(coders, SYMBOL_CODERS, "skew")
    series = []
    total_points = sum(len(_grid(k, binary_p)) for k in sizes)
    with progress(total_points, "skew", enabled=show_progress) as bar:
        for k in sizes:
            points = []
            for p_max in _grid(k, binary_p):
                p = _source(k, p_max)
                symbols = point_rng(seed, k, p_max).choice(k, size=n, p=p).astype(np.uint8)
                counts = np.bincount(symbols, minlength=k).astype(np.float64)
                h_emp = entropy(counts)
                p_max_emp = float(counts.max() / n)
                point = {
                    "p_max": p_max,
                    "p": p.tolist(),
                    "entropy_bits_per_symbol": entropy(p),
                    "empirical_entropy_bits_per_symbol": h_emp,
                    "empirical_p_max": p_max_emp,
                    "gallager_bound": gallager_bound(p_max_emp),
                    "pmax_half_bound": pmax_half_bound(p_max_emp),
                    "coders": {},
                }
                for name in names:
                    enc = encode(symbols, coder=name)
                    rate = enc.payload_bits / n
                    point["coders"][name] = {"bits_per_symbol": rate,
                                             "redundancy_bits_per_symbol": rate - h_emp,
                                             "header_bits": enc.header_bits}
                points.append(point)
                bar.update(1)
            series.append({"alphabet_size": k, "points": points})
    return ExperimentResult({
        "experiment": "skew",
        "params": {"n": n, "seed": seed, "binary_p": [float(x) for x in binary_p],
                   "alphabet_sizes": [int(k) for k in alphabet_sizes], "coders": names},
        "gallager_constant": GALLAGER_CONSTANT,
        "series": series,
    })


# marker, colour, line style; rANS is also drawn a few points higher than its values, because
# arithmetic and rANS both sit within 0.003 bits of 0 and would hide each other
_STYLE = {"huffman": ("s", "tab:red", "-"), "arithmetic": ("o", "tab:blue", "-"),
          "rans": ("x", "tab:green", "--")}
RANS_OFFSET_POINTS = 5.0


def skew_figure(result: dict):
    """The figure of :func:`plot_skew`, as a matplotlib Figure (not saved).

    rANS is drawn ``RANS_OFFSET_POINTS`` higher than its values, with its own
    marker and a dashed line, so that it does not hide the arithmetic coder
    (both are within a few thousandths of a bit of 0); its legend entry says so.
    """
    from matplotlib.transforms import offset_copy

    plt = require_matplotlib()
    series = result["series"]
    ncols = max(1, min(2, len(series)))
    nrows = max(1, -(-len(series) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.6 * ncols, 4.0 * nrows), squeeze=False)
    for ax in axes.flat[len(series):]:
        ax.set_visible(False)
    for ax, s in zip(axes.flat, series):
        pts = s["points"]
        x = [pt["p_max"] for pt in pts]
        grid = np.linspace(min(x), 0.9995, 200)
        ax.plot(grid, [gallager_bound(g) for g in grid], "k--", lw=1,
                label="Gallager: p_max + 0.086")
        half = [g for g in grid if g >= 0.5]
        if half:
            ax.plot(half, [pmax_half_bound(g) for g in half], "k:", lw=1.5,
                    label="2 - p_max - h(p_max)")
        for name in pts[0]["coders"] if pts else []:
            marker, color, ls = _STYLE.get(name, ("d", None, "-"))
            y = [pt["coders"][name]["redundancy_bits_per_symbol"] for pt in pts]
            label, extra = f"{name} (measured)", {}
            if name in FREQUENCY_CODERS:  # both near 0: say how near
                label = f"{name} (measured; at most {max(y):.4f})"
            if name == "rans":
                label = label[:-1] + f", drawn {RANS_OFFSET_POINTS:g} pt higher)"
                extra["transform"] = offset_copy(ax.transData, fig=fig, y=RANS_OFFSET_POINTS,
                                                 units="points")
            ax.plot(x, y, marker=marker, ls=ls, color=color, ms=6, lw=0.8,
                    mfc="none" if marker != "x" else None, label=label, **extra)
        k = s["alphabet_size"]
        ax.set_title("binary source" if k == 2 else f"{k} symbols: p_max, rest equal")
        ax.set_xlabel("p_max (probability of the likeliest symbol)")
        ax.set_ylabel("redundancy: rate - H (bits per symbol)")
        ax.set_ylim(-0.05, 1.15)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Redundancy against skew (n = {result['params']['n']:,} symbols per point)")
    fig.tight_layout()
    return fig


def plot_skew(result: dict, path) -> None:
    """One panel per alphabet size: redundancy (bits/symbol) against p_max, with the bounds."""
    save_figure(skew_figure(result), path)
