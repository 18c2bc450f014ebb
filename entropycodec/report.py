"""The bit accounting report: where every bit of every coder goes.

For n symbols with empirical distribution P, coded by each coder with model Q
(Q = P when no model is given), the measured total splits exactly into

    total = n H(P)                                  the bound
          + n KL(P || Q)                            model mismatch
          + n [H(P, Q_quant) - H(P, Q)]             quantization to integer frequencies
          + sum_x c_x (len_x + log2 Q(x))           integer code lengths (Huffman)
          + payload - (ideal code length)           termination: flush, padding, rounding
          + fix-up                                  smoothing of Q = 0 symbols (if asked)
          + header                                  the model description

With smoothing (Q gives probability 0 to some symbols of the data), ``fixup``
is what the fix-up (escape symbol and literals, or the floor) spends on those
symbols beyond their share of n H(P), and ``mismatch`` is the sum of
c_x log2(P(x) / Q'(x)) over the symbols Q codes, Q' the smoothed model.

(the adaptive order-0 coder has one part, ``adaptation``, for what learning
the model on the fly costs over n H(P); the context-mixing coder has one,
``context_modelling``, usually negative: what predicting from context saves
below the order-0 bound). Each part is reported in bits and in bits per
symbol; the parts add up to the measured total. Sizes against the original
follow the model-compression literature: with a = original bits and a* =
compressed bits, the compression rate alpha = a / a* and the space-saving rate
beta = (a - a*) / a*. The original is 8 bits per byte, or ceil(log2 k) bits per
symbol (a fixed-length code for the k distinct symbols of the data) for other
alphabets.

>>> r = analyze(b"ABCAADABCA" * 100, coders=("huffman", "arithmetic"))
>>> round(r.entropy_bits_per_symbol, 3), r.coders["huffman"].payload_bits
(1.761, 1800)
>>> sorted(r.coders["huffman"].overhead_bits)
['header', 'integer_length', 'mismatch', 'quantization', 'termination']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .coding import CODERS, LEARNING_CODERS, build_model, encode
from .errors import InvalidInputError

__all__ = ["analyze", "Report", "CoderAccount"]


def _nlog(counts: np.ndarray, probs: np.ndarray) -> float:
    """sum_x c_x * -log2 probs_x over symbols with c_x > 0 (inf if a prob is 0)."""
    mask = counts > 0
    if (probs[mask] <= 0).any():
        return math.inf
    return float(-(counts[mask] * np.log2(probs[mask])).sum())


@dataclass
class CoderAccount:
    """One coder's measured bits and their explanation."""

    coder: str
    n_symbols: int
    payload_bits: int
    header_bits: int
    original_bits: int
    overhead_bits: dict = field(default_factory=dict)  # part -> bits, adding to total - bound
    seconds: float | None = None

    @property
    def total_bits(self) -> int:
        return self.payload_bits + self.header_bits

    @property
    def bits_per_symbol(self) -> float:
        return self.total_bits / self.n_symbols if self.n_symbols else 0.0

    @property
    def compression_rate(self) -> float:
        """alpha = a / a*: original bits over compressed bits (NaN for empty data: 0 / 0)."""
        if not self.total_bits:
            return math.nan if not self.original_bits else math.inf
        return self.original_bits / self.total_bits

    @property
    def space_saving_rate(self) -> float:
        """beta = (a - a*) / a* (NaN for empty data: 0 / 0)."""
        if not self.total_bits:
            return math.nan if not self.original_bits else math.inf
        return (self.original_bits - self.total_bits) / self.total_bits

    def to_dict(self) -> dict:
        n = self.n_symbols or 1
        return {
            "payload_bits": self.payload_bits,
            "header_bits": self.header_bits,
            "total_bits": self.total_bits,
            "bits_per_symbol": self.bits_per_symbol,
            "compression_rate_alpha": self.compression_rate,
            "space_saving_rate_beta": self.space_saving_rate,
            "overhead_bits": dict(self.overhead_bits),
            "overhead_bits_per_symbol": {k: v / n for k, v in self.overhead_bits.items()},
            **({"seconds": self.seconds} if self.seconds is not None else {}),
        }


@dataclass
class Report:
    """The bound, the model's cost, and one :class:`CoderAccount` per coder."""

    n_symbols: int
    alphabet_size: int
    distinct_symbols: int
    original_bits: int
    entropy_bits_per_symbol: float
    cross_entropy_bits_per_symbol: float | None
    kl_divergence_bits_per_symbol: float | None
    coders: dict
    conditional_entropies: dict = field(default_factory=dict)  # "H1" -> bits/symbol
    source: str | None = None

    @property
    def bound_bits(self) -> float:
        return self.n_symbols * self.entropy_bits_per_symbol

    def to_dict(self) -> dict:
        """JSON-ready data with stable keys."""
        return {
            "source": self.source,
            "n_symbols": self.n_symbols,
            "alphabet_size": self.alphabet_size,
            "distinct_symbols": self.distinct_symbols,
            "original_bits": self.original_bits,
            "entropy_bits_per_symbol": self.entropy_bits_per_symbol,
            "bound_bits": self.bound_bits,
            "cross_entropy_bits_per_symbol": self.cross_entropy_bits_per_symbol,
            "kl_divergence_bits_per_symbol": self.kl_divergence_bits_per_symbol,
            "conditional_entropies_bits_per_symbol": dict(self.conditional_entropies),
            "coders": {name: acc.to_dict() for name, acc in self.coders.items()},
        }

    def to_text(self) -> str:
        """The report as a plain-text table (what ``entropycodec analyze`` prints)."""
        n = self.n_symbols
        lines = []
        if self.source:
            lines.append(f"source: {self.source}")
        lines.append(f"symbols: {n:,} ({self.distinct_symbols} distinct), "
                     f"original {self.original_bits:,} bits")
        lines.append(f"entropy H(P): {self.entropy_bits_per_symbol:.6f} bits/symbol, "
                     f"bound n*H = {self.bound_bits:,.1f} bits")
        if self.cross_entropy_bits_per_symbol is not None:
            lines.append(f"model Q: H(P,Q) = {self.cross_entropy_bits_per_symbol:.6f}, "
                         f"KL(P||Q) = {self.kl_divergence_bits_per_symbol:.6f} bits/symbol")
        if self.conditional_entropies:
            lines.append("context: " + ", ".join(
                f"{k} = {v:.4f}" for k, v in self.conditional_entropies.items()) + " bits/symbol")
        parts = []
        for acc in self.coders.values():
            parts += [k for k in acc.overhead_bits if k not in parts]
        accs = list(self.coders.values())
        width = max([12] + [len(a.coder) + 2 for a in accs])

        def row(label: str, cells) -> str:
            return f"{label:<22}" + "".join(f"{c:>{width}}" for c in cells)

        h = self.entropy_bits_per_symbol
        lines += ["", row("", [a.coder for a in accs]),
                  row("total bits", [f"{a.total_bits:,}" for a in accs]),
                  row("  payload bits", [f"{a.payload_bits:,}" for a in accs]),
                  row("  header bits", [f"{a.header_bits:,}" for a in accs]),
                  row("bits/symbol", [f"{a.bits_per_symbol:.5f}" for a in accs]),
                  row("  - H(P)", [f"{a.bits_per_symbol - h:+.5f}" for a in accs]),
                  row("alpha = a/a*", [f"{a.compression_rate:.3f}" for a in accs]),
                  row("beta = (a-a*)/a*", [f"{a.space_saving_rate:.3f}" for a in accs]),
                  "", "overhead over n*H(P), bits (the parts add up to total - n*H):"]
        for p in parts:
            lines.append(row(f"  {p}", [f"{a.overhead_bits[p] + 0.0:,.1f}" if p in a.overhead_bits
                                        else "-" for a in accs]))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _account(coder: str, enc, original_bits: int, bound: float,
             uncodable_share: float = 0.0) -> CoderAccount:
    """Split one coder's measured bits into the parts of the module docstring.

    ``uncodable_share``: the part of n H(P) that falls on symbols of Q = 0
    (sum of c_x log2(n / c_x) over them), which smoothing codes through the fix-up.
    """
    payload, header = enc.payload_bits, enc.header_bits
    parts: dict[str, float] = {}
    if coder == "adaptive":
        parts["adaptation"] = payload - bound
    elif coder == "cm":
        parts["context_modelling"] = payload - bound
    else:
        c = np.asarray(enc.counts, dtype=np.float64)
        cross = _nlog(c, enc.model_probabilities)  # n H(P, Q), fix-up symbols included
        stream_fixup = enc.fixup_bits - enc.side_bits
        # over the symbols Q codes: sum c_x log2(P(x) / Q'(x)); n KL(P || Q) when nothing is smoothed
        parts["mismatch"] = cross - stream_fixup - (bound - uncodable_share)
        if coder == "huffman":
            ideal = float((c * enc.model.lengths_array).sum())
            parts["quantization"] = 0.0
            parts["integer_length"] = ideal - cross
        else:
            ideal = _nlog(c, enc.model.freqs / enc.model.total)
            parts["quantization"] = ideal - cross
            parts["integer_length"] = 0.0
        parts["termination"] = payload - ideal
        if enc.fixup_bits:
            # what the fix-up spends beyond those symbols' share of n H(P)
            parts["fixup"] = enc.fixup_bits - uncodable_share
    parts["header"] = float(header - enc.side_bits)
    return CoderAccount(coder, enc.n_symbols, payload, header, original_bits, parts)


def analyze(data, *, model=None, coders=CODERS, scale_bits: int | None = None,
            smoothing=None, contexts: int = 0, source: str | None = None,
            timings: bool = False) -> Report:
    """Code ``data`` with each coder and explain the bits against the entropy.

    ``model``: None (each coder's model is built from the data), or a model Q built
    elsewhere (FrequencyTable, StaticModel, mapping, probabilities). ``contexts=k``
    adds the empirical conditional entropies H1..Hk of the data. ``timings`` adds
    each coder's encode time in seconds.
    """
    import time

    from .empirical import conditional_entropy

    coders = tuple(coders)
    for c in coders:
        if c not in CODERS:
            raise InvalidInputError(f"unknown coder {c!r}; choose from {', '.join(CODERS)}")
    alphabet, idx, counts, q = build_model(data, model)
    n = int(idx.size)
    c = np.asarray(counts, dtype=np.float64)
    h = float(-(c[c > 0] / n * np.log2(c[c > 0] / n)).sum()) + 0.0 if n else 0.0
    distinct = int((c > 0).sum())
    if alphabet.is_bytes:
        original_bits = 8 * n
    else:
        original_bits = n * max(1, math.ceil(math.log2(max(distinct, 2))))
    uncodable = (c > 0) & (q <= 0)
    share = float((c[uncodable] * np.log2(n / c[uncodable])).sum()) if smoothing is not None else 0.0
    cross = kl = None
    if model is not None and n:
        cross = _nlog(c, q) / n
        kl = cross - h if math.isfinite(cross) else math.inf
    accounts = {}
    if "cm" in coders and not alphabet.is_bytes:
        raise InvalidInputError("the cm coder codes bytes only: drop it or use --symbols bytes")
    for coder in coders:
        enc_model = None if coder in LEARNING_CODERS else model
        t0 = time.perf_counter()
        enc = encode(data, coder=coder, model=enc_model, scale_bits=scale_bits,
                     smoothing=smoothing if enc_model is not None else None)
        dt = time.perf_counter() - t0
        acc = _account(coder, enc, original_bits, n * h,
                       share if enc_model is not None else 0.0)
        if timings:
            acc.seconds = dt
        accounts[coder] = acc
    ctx = {f"H{k}": conditional_entropy(data, k) for k in range(1, contexts + 1)} if n else {}
    return Report(n, len(alphabet), distinct, original_bits, h, cross, kl, accounts, ctx, source)
