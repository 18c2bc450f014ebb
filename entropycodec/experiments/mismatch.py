"""Experiment ``mismatch``: what coding data from P with a wrong model Q costs.

Question: data drawn from P is coded with Q_t = (1 - t) P + t R for t in [0, 1],
where R is the uniform distribution U (default) or the symbol distribution of
another file (``model_from``). How many bits per symbol does each coder spend?

Theory: an ideal coder driven by Q spends the cross-entropy
H(P, Q) = H(P) + KL(P || Q) bits per symbol, so the arithmetic and rANS points
must sit on the H(P, Q_t) curve (up to termination and the 2**-16 quantization
of Q). Huffman's code lengths are integers chosen for Q: its rate is never
below H(P) (Kraft), and is usually between H(P, Q_t) and H(P, Q_t) + 1. That
last bracket is guaranteed only for the Shannon code, lengths ceil(-log2 Q(x)),
whose rate is also recorded (``shannon_code``). Huffman's can fall *below*
H(P, Q_t): rounding to integer lengths makes its code insensitive to small
changes of Q, and for P = 0.8/0.1/0.1 every Q_t yields the same code (1, 2, 2
bits) with rate 1.2, below H(P, U) = log2 3 = 1.585 at t = 1.

Measured rates are payload bits over n (the model description, which does not
depend on t, is reported separately as ``header_bits``). Every number on the
data side is also given against the empirical distribution P^ of the sample,
for which the accounting is exact: payload = n H(P^, Q) + quantization +
termination.

>>> r = run_mismatch([0.8, 0.1, 0.1], n=2000, steps=3, seed=1)
>>> [pt["t"] for pt in r["points"]], round(r["source"]["entropy_bits_per_symbol"], 3)
([0.0, 0.5, 1.0], 0.922)
>>> r["points"][2]["coders"]["huffman"]["bits_per_symbol"] < r["points"][2]["cross_entropy_bits_per_symbol"]
True
"""

from __future__ import annotations

import textwrap

import numpy as np

from entropycodec.coders import FREQUENCY_CODERS, MODEL_CODERS, get
from entropycodec.errors import InvalidInputError
from entropycodec.experiments.output import check_coders, progress, require_matplotlib, save_figure
from entropycodec.measures import as_distribution, code_length_bits
from entropycodec.views import ExperimentResult

__all__ = ["DEFAULT_P", "MISMATCH_CODERS", "mismatch_figure", "plot_mismatch", "run_mismatch"]

DEFAULT_P = (0.8, 0.1, 0.1)
MISMATCH_CODERS = MODEL_CODERS  # the coders that take a model Q up front (the registry's)
_CURVE_POINTS = 101
# mixed into a model_from distribution that lacks symbols of P: over 256 byte values each
# gets at least 2**-16, the resolution of the coders' default integer model
_FLOOR = 2.0 ** -8


def _xent(weights: np.ndarray, q: np.ndarray) -> float:
    """sum_x w_x * -log2 q_x / sum w (inf when q_x = 0 for some w_x > 0)."""
    return code_length_bits(weights, q) / float(weights.sum())


def _shannon_code_rate(weights: np.ndarray, q: np.ndarray) -> float:
    """Rate of the Shannon code for q (lengths ceil(-log2 q)) on data distributed as weights."""
    mask = weights > 0
    w = weights[mask] / weights.sum()
    lengths = np.ceil(-np.log2(q[mask]) - 1e-12)
    return float((w * lengths).sum())


def _sample(p: np.ndarray, n: int, seed: int) -> np.ndarray:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInputError(f"seed must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    return rng.choice(p.size, size=n, p=p).astype(np.uint8)


def run_mismatch(p=DEFAULT_P, *, data: bytes | None = None, model_from: bytes | None = None,
                 data_name: str | None = None, model_from_name: str | None = None,
                 n: int = 100_000, steps: int = 11, seed: int = 0,
                 coders=MISMATCH_CODERS, show_progress: bool = False) -> dict:
    """Run the experiment and return its raw numbers (a JSON-ready dict).

    ``p``: the source distribution (ignored when ``data`` is given); its symbols
    are the byte values 0..k-1, and ``n`` of them are drawn with ``seed``.
    ``data``: code these bytes instead; P is their byte distribution.
    ``model_from``: bytes whose distribution is the reference R (default: uniform
    over the k symbols of ``p``, or over the 256 byte values for ``data``).
    ``data_name``, ``model_from_name``: what to call them (a file's name, say):
    kept as ``source["file"]`` and ``reference_model["file"]`` and shown in the
    figure.
    ``steps``: number of t values, evenly spaced in [0, 1].
    """
    from entropycodec.sequence import encode

    steps = int(steps)
    if steps < 2:
        raise InvalidInputError(f"steps must be at least 2, got {steps}")
    if data is None:
        p_true = as_distribution(p, "p")
        if p_true.size > 256:
            raise InvalidInputError(f"p has {p_true.size} symbols; at most 256 are supported")
        if not 1 <= int(n) <= 10**8:
            raise InvalidInputError(f"n must be in 1..10**8, got {n}")
        symbols = _sample(p_true, int(n), seed)
        k = p_true.size
        source = {"kind": "distribution", "p": p_true.tolist()}
    else:
        symbols = np.frombuffer(bytes(data), dtype=np.uint8)
        if symbols.size == 0:
            raise InvalidInputError("data is empty: nothing to code")
        counts = np.bincount(symbols, minlength=256).astype(np.float64)
        p_true = counts / counts.sum()
        k = 256
        source = {"kind": "file", "file": data_name}
    n = int(symbols.size)
    counts = np.bincount(symbols, minlength=k).astype(np.float64)[:k]
    p_emp = counts / n

    if model_from is None:
        ref = np.full(k, 1.0 / k)
        reference = {"kind": "uniform", "symbols": k}
    else:
        other = np.frombuffer(bytes(model_from), dtype=np.uint8)
        if other.size == 0:
            raise InvalidInputError("model_from is empty: no distribution to mix towards")
        if data is None and other.max() >= k:
            raise InvalidInputError(
                f"model_from has byte values >= {k}, outside the {k} symbols of p")
        ref = np.bincount(other, minlength=k).astype(np.float64)[:k]
        ref /= ref.sum()
        reference = {"kind": "file", "file": model_from_name, "symbols": k, "floor": 0.0}
        if ((ref == 0) & (p_true > 0)).any():
            # R cannot code some symbol of P: mix in a small uniform floor, as smoothing would
            ref = (1 - _FLOOR) * ref + _FLOOR / k
            reference["floor"] = _FLOOR

    names = check_coders(coders, MODEL_CODERS, "mismatch")
    ts = np.linspace(0.0, 1.0, steps)
    points = []
    with progress(steps * max(len(names), 1), "mismatch", enabled=show_progress) as bar:
        for t in ts.tolist():
            q = (1 - t) * p_true + t * ref
            model = {i: float(q[i]) for i in range(k) if q[i] > 0}
            point = {
                "t": t,
                "cross_entropy_bits_per_symbol": _xent(p_true, q),
                "kl_divergence_bits_per_symbol": max(_xent(p_true, q) - _xent(p_true, p_true), 0.0),
                "empirical_cross_entropy_bits_per_symbol": _xent(counts, q),
                "shannon_code_bits_per_symbol": _shannon_code_rate(counts, q),
                "coders": {},
            }
            if k <= 16:
                point["q"] = q.tolist()
            for name in names:
                enc = encode(symbols, coder=name, model=model)
                rate = enc.payload_bits / n
                entry = {
                    "bits_per_symbol": rate,
                    "header_bits": enc.header_bits,
                    "minus_empirical_cross_entropy": rate - point["empirical_cross_entropy_bits_per_symbol"],
                }
                if name in FREQUENCY_CODERS:
                    # what the coder's integer model (Q_t quantized to 2**-scale_bits) costs
                    f = enc.model.freqs[:k].astype(np.float64) / enc.model.total
                    entry["quantized_model_cross_entropy"] = _xent(counts, f)
                if get(name).model_kind == "code":
                    entry["code_lengths"] = {str(s): ln for s, ln in enc.model.lengths.items()} if k <= 16 else None
                point["coders"][name] = entry
                bar.update(1)
            points.append(point)

    curve_t = np.linspace(0.0, 1.0, _CURVE_POINTS)
    h_true = _xent(p_true, p_true)
    return ExperimentResult({
        "experiment": "mismatch",
        "params": {"n": n, "steps": steps, "seed": seed, "coders": names},
        "source": {**source, "n": n, "alphabet_size": k,
                   "entropy_bits_per_symbol": h_true,
                   "empirical_entropy_bits_per_symbol": _xent(counts, p_emp)},
        "reference_model": reference,
        "points": points,
        "curve": {
            "t": curve_t.tolist(),
            "entropy_bits_per_symbol": [h_true] * _CURVE_POINTS,
            "cross_entropy_bits_per_symbol": [_xent(p_true, (1 - t) * p_true + t * ref)
                                              for t in curve_t.tolist()],
        },
    })


_STYLE = {"huffman": ("s", "tab:red"), "arithmetic": ("o", "tab:blue"),
          "rans": ("x", "tab:green"), "adaptive": ("^", "tab:purple")}


def _fit_width(fig, text) -> None:
    """Wrap a title or label until it lies within the figure's width (then shrink it)."""
    renderer = fig.canvas.get_renderer()
    full, width = text.get_text(), len(text.get_text())

    def fits() -> bool:
        box = text.get_window_extent(renderer)
        return fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1

    while not fits() and width > 20:
        width -= max(1, width // 10)
        text.set_text(textwrap.fill(full, width, break_on_hyphens=False))
    while not fits() and text.get_fontsize() > 6:
        text.set_fontsize(text.get_fontsize() - 1)


def _title(result: dict) -> str:
    src = result["source"]
    if src["kind"] == "distribution":
        p = [f"{x:.3g}" for x in src["p"]]
        shown = "/".join(p) if len(p) <= 6 else "/".join(p[:5]) + f"/... ({len(p)} symbols)"
        return f"Coding with a mismatched model: P = {shown}, n = {src['n']:,}"
    name = src.get("file") or "the data"
    return f"Coding {name} ({src['n']:,} bytes) with a mismatched model"


def mismatch_figure(result: dict):
    """The figure of :func:`plot_mismatch`, as a matplotlib Figure (not saved).

    The title names the source (P, or the data file's name) and, like the
    x label, is wrapped to fit within the figure.
    """
    plt = require_matplotlib()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    curve = result["curve"]
    ct = curve["t"]
    xe = [float(v) for v in curve["cross_entropy_bits_per_symbol"]]
    ax.plot(ct, xe, "k-", lw=1.5, label="H(P, Q_t) (cross-entropy)")
    ax.plot(ct, [v + 1 for v in xe], "k:", lw=1, label="H(P, Q_t) + 1")
    is_file = result["source"]["kind"] == "file"
    ax.plot(ct, curve["entropy_bits_per_symbol"], "k--", lw=1,
            label="H(P) (entropy; P = the file's byte distribution)" if is_file else "H(P) (entropy)")
    ts = [pt["t"] for pt in result["points"]]
    for name in result["points"][0]["coders"] if result["points"] else []:
        marker, color = _STYLE.get(name, ("d", None))
        ys = [pt["coders"][name]["bits_per_symbol"] for pt in result["points"]]
        ax.plot(ts, ys, marker, color=color, ls="none", ms=7, mfc="none" if marker != "x" else None,
                label=f"{name} (measured)")
    ref = result["reference_model"]
    if ref["kind"] == "uniform":
        what = "the uniform distribution U"
    else:
        what = f"{ref.get('file') or 'the other data'}'s byte distribution"
    ax.set_xlabel(f"t: weight of R = {what} in Q_t = (1-t) P + t R")
    ax.set_ylabel("bits per symbol")
    ax.set_title(_title(result))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    # fit, lay out (which moves the axes), and fit again
    for _ in range(2):
        for text in (ax.title, ax.xaxis.label):
            _fit_width(fig, text)
        fig.tight_layout()
    return fig


def plot_mismatch(result: dict, path) -> None:
    """Draw measured bits per symbol against t, with the H(P) and H(P, Q_t) curves."""
    save_figure(mismatch_figure(result), path)
