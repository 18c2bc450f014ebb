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
compressed bits (payload + header), the compression rate alpha = a / a* and the
space-saving rate beta = (a - a*) / a*. The original a is the fixed-length
bound: 8 bits per byte for byte data, and ceil(log2 k) bits per symbol (a
fixed-length code for the k distinct symbols of the data) for other alphabets.
For those, a is not the size of the file the symbols came from: give
``source_size`` (bytes) and the report shows the file's bits beside a, and
file bits / a* per coder.

With a model Q, only the static coders (huffman, arithmetic, rans) code with
it; adaptive and cm learn their own model from the data, and the report marks
them (``CoderAccount.uses_model`` is False, and the text says so in a note).

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

from entropycodec.alphabet import is_byte_data
from entropycodec.coders import BYTES_ONLY_CODERS, FREQUENCY_CODERS, LEARNING_CODERS, SYMBOL_CODERS
from entropycodec.coders import CODERS as CODER_SPECS
from entropycodec.errors import InvalidInputError
from entropycodec.measures import code_length_bits, entropy
from entropycodec.sequence import build_model, coders_for, encode

__all__ = ["analyze", "Report", "CoderAccount"]




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
    uses_model: bool = True  # False: a model Q was given and this coder learns its own instead
    scale_bits: int | None = None  # precision of the quantized model (arithmetic, rans)
    file_bits: int | None = None  # 8 x the size of the file the symbols came from, if known

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

    @property
    def file_compression_rate(self) -> float | None:
        """File bits / a*: the ratio against the file itself (None when no file size is known)."""
        if self.file_bits is None:
            return None
        if not self.total_bits:
            return math.nan if not self.file_bits else math.inf
        return self.file_bits / self.total_bits

    def to_dict(self) -> dict:
        n = self.n_symbols or 1
        return {
            "payload_bits": self.payload_bits,
            "header_bits": self.header_bits,
            "total_bits": self.total_bits,
            "bits_per_symbol": self.bits_per_symbol,
            "compression_rate_alpha": self.compression_rate,
            "space_saving_rate_beta": self.space_saving_rate,
            "file_compression_rate": self.file_compression_rate,
            "uses_model": self.uses_model,
            "scale_bits": self.scale_bits,
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
    fixed_length_bits_per_symbol: int = 8  # a / n: 8 for bytes, ceil(log2 k) otherwise
    file_bits: int | None = None  # 8 x the size of the file the symbols came from, if known
    model_given: bool = False
    byte_data: bool = True  # the symbols are bytes (a = 8 bits per byte)
    # a per-position model (Categorical, quantized family, ContextModel): its own bound
    model_name: str | None = None
    model_bound_bits: float | None = None  # sum_i -log2 q_i(x_i), the parts' reference
    context_tradeoff: list = field(default_factory=list)  # ContextModel: order -> bits
    bwt_path: dict = field(default_factory=dict)  # bytes: H0 of the block, its BWT, its MTF ranks

    @property
    def bound_bits(self) -> float:
        """What the parts are counted over: n H(P), or for a per-position model the sum of
        its information contents, sum_i -log2 q_i(x_i)."""
        if self.model_bound_bits is not None:
            return self.model_bound_bits
        return self.n_symbols * self.entropy_bits_per_symbol

    @property
    def model_ignored_by(self) -> list[str]:
        """The coders that learn their own model although a model Q was given."""
        return [name for name, acc in self.coders.items() if not acc.uses_model]

    def to_dict(self) -> dict:
        """JSON-ready data with stable keys."""
        return {
            "source": self.source,
            "n_symbols": self.n_symbols,
            "alphabet_size": self.alphabet_size,
            "distinct_symbols": self.distinct_symbols,
            "original_bits": self.original_bits,
            "fixed_length_bits_per_symbol": self.fixed_length_bits_per_symbol,
            "file_bits": self.file_bits,
            "entropy_bits_per_symbol": self.entropy_bits_per_symbol,
            "bound_bits": self.bound_bits,
            "cross_entropy_bits_per_symbol": self.cross_entropy_bits_per_symbol,
            "kl_divergence_bits_per_symbol": self.kl_divergence_bits_per_symbol,
            "conditional_entropies_bits_per_symbol": dict(self.conditional_entropies),
            "model_given": self.model_given,
            "model_ignored_by": self.model_ignored_by,
            "model": self.model_name,
            "model_bound_bits": self.model_bound_bits,
            "context_tradeoff": list(self.context_tradeoff),
            "bwt_path": dict(self.bwt_path),
            "coders": {name: acc.to_dict() for name, acc in self.coders.items()},
        }

    def to_text(self) -> str:
        """The report as a plain-text table (what ``entropycodec analyze`` prints)."""
        n = self.n_symbols
        lines = []
        if self.source:
            lines.append(f"source: {self.source}")
        per = ("8 bits per byte" if self.byte_data
               else f"fixed-length code, {self.fixed_length_bits_per_symbol} bits/symbol")
        lines.append(f"symbols: {n:,} ({self.distinct_symbols:,} distinct), "
                     f"original a = {self.original_bits:,} bits ({per})")
        show_file = self.file_bits is not None and self.file_bits != self.original_bits
        if show_file:
            lines.append(f"file: {self.file_bits // 8:,} bytes = {self.file_bits:,} bits "
                         "(alpha and beta compare with a, not with the file)")
        positional = self.model_bound_bits is not None
        if positional:
            lines.append(f"entropy H(P) of the symbols' marginal: {self.entropy_bits_per_symbol:.6f} "
                         f"bits/symbol (n*H = {n * self.entropy_bits_per_symbol:,.1f} bits)")
            lines.append(f"model Q = {self.model_name}: bound sum -log2 q_i(x_i) = "
                         f"{self.model_bound_bits:,.1f} bits, H(P,Q) = "
                         f"{self.cross_entropy_bits_per_symbol:.6f} bits/symbol, H(P,Q) - H(P) = "
                         f"{self.kl_divergence_bits_per_symbol:+.6f} "
                         f"({_versus_marginal(self.kl_divergence_bits_per_symbol)})")
        else:
            lines.append(f"entropy H(P): {self.entropy_bits_per_symbol:.6f} bits/symbol, "
                         f"bound n*H = {self.bound_bits:,.1f} bits")
        if self.context_tradeoff:
            lines.append("context orders (n*H(X|k) + the model's description = total bits):")
            for row in self.context_tradeoff:
                lines.append(f"  k = {row['order']}: {row['content_bits']:,.0f} + "
                             f"{row['description_bits']:,} = {row['total_bits']:,.0f} "
                             f"({row['conditional_entropy']:.4f} bits/symbol + description)")
        if self.cross_entropy_bits_per_symbol is not None and not positional:
            lines.append(f"model Q: H(P,Q) = {self.cross_entropy_bits_per_symbol:.6f}, "
                         f"KL(P||Q) = {self.kl_divergence_bits_per_symbol:.6f} bits/symbol")
        if self.conditional_entropies:
            lines.append("context: " + ", ".join(
                f"{k} = {v:.4f}" for k, v in self.conditional_entropies.items()) + " bits/symbol")
        if self.bwt_path:
            b = self.bwt_path
            lines.append(
                f"BWT path (order-0 entropy, bits/byte): data {b['h0_data']:.4f}, its BWT "
                f"{b['h0_bwt']:.4f} (a permutation: the same), move-to-front ranks "
                f"{b['h0_mtf']:.4f}" + (f"; bwt coder measured {b['bwt_bits_per_byte']:.4f}"
                                        if b.get('bwt_bits_per_byte') is not None else ""))
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
                  *([row("  - H(P,Q)", [f"{a.bits_per_symbol - self.cross_entropy_bits_per_symbol:+.5f}"
                                         for a in accs])] if positional else []),
                  row("alpha = a/a*", [f"{a.compression_rate:.3f}" for a in accs]),
                  row("beta = (a-a*)/a*", [f"{a.space_saving_rate:.3f}" for a in accs])]
        if show_file:
            lines.append(row("file bits / a*", [f"{a.file_compression_rate:.3f}" for a in accs]))
        lines += ["", "overhead over the model's bound, bits (the parts add up to total - bound):"
                  if positional else "overhead over n*H(P), bits (the parts add up to total - n*H):"]
        for p in parts:
            lines.append(row(f"  {p}", [_bits(a.overhead_bits[p]) if p in a.overhead_bits
                                        else "-" for a in accs]))
        ignored = self.model_ignored_by
        if ignored:
            users = [a.coder for a in accs if a.uses_model]
            lines += ["", f"note: {_join(ignored)} learn{'s' if len(ignored) == 1 else ''} "
                          f"{'its' if len(ignored) == 1 else 'their'} own model from the data; "
                          f"the model Q applies to {_join(users) if users else 'no coder shown'}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        """Jupyter's view: the report as an HTML table."""
        from entropycodec.views import report_html

        return report_html(self)

    def plot(self, ax=None):
        """Each coder's bar split into its parts (the bound n*H(P), mismatch, quantization,
        integer lengths, termination, header, ...), drawn on ``ax`` (a new figure if None);
        returns the Axes. Needs matplotlib (extra ``plot``)."""
        from entropycodec.views import report_figure

        return report_figure(self, ax)

    def to_frame(self):
        """A pandas DataFrame, one row per coder (needs pandas: extra ``notebook``)."""
        from entropycodec.views import report_frame

        return report_frame(self)


def _versus_marginal(difference: float) -> str:
    if difference == 0:
        return "the same as coding with the marginal"
    return f"{'better' if difference < 0 else 'worse'} than coding with the marginal"


def _bits(value: float) -> str:
    """One decimal, and no '-0.0' for a rounding residue of an exact zero."""
    return f"{value if abs(value) >= 0.05 else 0.0:,.1f}"


def _join(names) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _account(coder: str, enc, original_bits: int, bound: float,
             uncodable_share: float = 0.0) -> CoderAccount:
    """Split one coder's measured bits into the parts of the module docstring.

    ``uncodable_share``: the part of n H(P) that falls on symbols of Q = 0
    (sum of c_x log2(n / c_x) over them), which smoothing codes through the fix-up.
    """
    payload, header = enc.payload_bits, enc.header_bits
    parts: dict[str, float] = {}
    spec = CODER_SPECS[coder]
    if spec.model_kind == "learned":
        parts[spec.learning_part] = payload - bound
    else:
        c = np.asarray(enc.counts, dtype=np.float64)
        cross = code_length_bits(c, enc.model_probabilities)  # n H(P, Q), fix-up symbols included
        stream_fixup = enc.fixup_bits - enc.side_bits
        # over the symbols Q codes: sum c_x log2(P(x) / Q'(x)); n KL(P || Q) when nothing is smoothed
        parts["mismatch"] = cross - stream_fixup - (bound - uncodable_share)
        if spec.model_kind == "code":
            ideal = float((c * enc.model.lengths_array).sum())
            parts["quantization"] = 0.0
            parts["integer_length"] = ideal - cross
        else:
            ideal = code_length_bits(c, enc.model.freqs / enc.model.total)
            parts["quantization"] = ideal - cross
            parts["integer_length"] = 0.0
        parts["termination"] = payload - ideal
        if enc.fixup_bits:
            # what the fix-up spends beyond those symbols' share of n H(P)
            parts["fixup"] = enc.fixup_bits - uncodable_share
    parts["header"] = float(header - enc.side_bits)
    scale = enc.model.scale_bits if coder in FREQUENCY_CODERS and enc.model is not None else None
    return CoderAccount(coder, enc.n_symbols, payload, header, original_bits, parts,
                        scale_bits=scale)


def analyze(data, *, model=None, coders=None, scale_bits: int | None = None,
            smoothing=None, contexts: int = 0, source: str | None = None,
            source_size: int | None = None, timings: bool = False) -> Report:
    """Code ``data`` with each coder and explain the bits against the entropy.

    ``model``: None (each coder's model is built from the data), or a model Q built
    elsewhere (FrequencyTable, StaticModel, mapping, probabilities); the adaptive
    and cm coders learn their own model and are marked as not using it.
    ``coders``: one name or an iterable of names (default: every coder that can
    code the data, :func:`~entropycodec.sequence.coders_for`: cm only for byte data).
    ``scale_bits``: the arithmetic and rANS model precision (default: chosen from
    the alphabet size and n, :func:`~entropycodec.sequence.default_scale_bits`).
    ``contexts=k`` adds the empirical conditional entropies H1..Hk of the data.
    ``source``: a name to print; ``source_size``: the size in bytes of the file the
    symbols came from (shown beside the fixed-length bound a). ``timings`` adds each
    coder's encode time in seconds.

    >>> r = analyze("abracadabra", coders="huffman")
    >>> list(r.coders), r.original_bits, r.fixed_length_bits_per_symbol
    (['huffman'], 33, 3)
    >>> sorted(analyze(["to", "be", "or", "not", "to", "be"]).coders)
    ['adaptive', 'arithmetic', 'huffman', 'rans']
    """
    import time

    from entropycodec.measures import conditional_entropy
    from entropycodec.models.positional import PositionalModel

    if isinstance(model, PositionalModel):
        return _analyze_positional(data, model, coders, source, source_size, timings, contexts)
    if coders is None:
        coders = coders_for(data)
    elif isinstance(coders, str):
        coders = (coders,)
    try:
        coders = tuple(coders)
    except TypeError:
        raise InvalidInputError(f"coders must be a coder name or names, got {coders!r}") from None
    if not coders:
        raise InvalidInputError(f"no coder given; choose from {', '.join(SYMBOL_CODERS)}")
    for c in coders:
        if c not in SYMBOL_CODERS:
            raise InvalidInputError(f"unknown coder {c!r}; choose from {', '.join(SYMBOL_CODERS)}")
    bytes_only = [c for c in coders if c in BYTES_ONLY_CODERS]
    if bytes_only and not is_byte_data(data):
        raise InvalidInputError(
            f"the {_join(bytes_only)} coder codes bytes only (it models bits of bytes), and the "
            f"data is {type(data).__name__}: leave it out of coders, or analyze bytes")
    alphabet, idx, counts, q = build_model(data, model)
    n = int(idx.size)
    c = np.asarray(counts, dtype=np.float64)
    h = entropy(c) if n else 0.0
    distinct = int((c > 0).sum())
    fixed = 8 if alphabet.is_bytes else max(1, math.ceil(math.log2(max(distinct, 2))))
    original_bits = fixed * n
    file_bits = None if source_size is None else 8 * int(source_size)
    uncodable = (c > 0) & (q <= 0)
    share = float((c[uncodable] * np.log2(n / c[uncodable])).sum()) if smoothing is not None else 0.0
    cross = kl = None
    if model is not None and n:
        cross = code_length_bits(c, q) / n
        kl = cross - h if math.isfinite(cross) else math.inf
    accounts = {}
    for coder in coders:
        enc_model = None if coder in LEARNING_CODERS else model
        t0 = time.perf_counter()
        enc = encode(data, coder=coder, model=enc_model, scale_bits=scale_bits,
                     smoothing=smoothing if enc_model is not None else None)
        dt = time.perf_counter() - t0
        acc = _account(coder, enc, original_bits, n * h,
                       share if enc_model is not None else 0.0)
        acc.uses_model = model is None or coder not in LEARNING_CODERS
        acc.file_bits = file_bits
        if timings:
            acc.seconds = dt
        accounts[coder] = acc
    ctx = {f"H{k}": conditional_entropy(data, k) for k in range(1, contexts + 1)} if n else {}
    path = bwt_path(data, accounts.get("bwt")) if alphabet.is_bytes and "bwt" in coders and n else {}
    return Report(n, len(alphabet), distinct, original_bits, h, cross, kl, accounts, ctx, source,
                  fixed, file_bits, model is not None, alphabet.is_bytes, bwt_path=path)


#: the BWT path of analyze() looks at the first block's worth of bytes (the transform is
#: of one block: the container's 4 MiB)
BWT_PATH_BYTES = 1 << 22


def bwt_path(data, account=None) -> dict:
    """How the Burrows-Wheeler transform turns context into low order-0 entropy: H0 of the
    bytes, of their BWT (a permutation, so the same) and of its move-to-front ranks, in
    bits per byte, with the bwt coder's measured rate when ``account`` is given. Over the
    first :data:`BWT_PATH_BYTES` bytes (one block).

    >>> p = bwt_path(b"abracadabra " * 100)
    >>> p["h0_bwt"] == p["h0_data"], p["h0_mtf"] < p["h0_data"] / 4
    (True, True)
    """
    from entropycodec.coders.bwt.transform import bwt, move_to_front

    arr = np.frombuffer(bytes(memoryview(data))[:BWT_PATH_BYTES], dtype=np.uint8)
    last, _ = bwt(arr)
    ranks = np.empty(arr.size, dtype=np.uint8)
    move_to_front(last, ranks)

    def h0(a):
        return entropy(np.bincount(a, minlength=256).astype(np.float64))

    out = {"bytes": int(arr.size), "h0_data": h0(arr), "h0_bwt": h0(last), "h0_mtf": h0(ranks),
           "bwt_bits_per_byte": None}
    if account is not None and arr.size == account.n_symbols:
        out["bwt_bits_per_byte"] = account.total_bits / account.n_symbols
    return out


def _analyze_positional(data, model, coders, source, source_size, timings, contexts) -> Report:
    """The report of a per-position model: the parts over sum_i -log2 q_i(x_i) are the
    quantization of each row (its floor and rounding), termination and header."""
    import time

    from entropycodec.models.context import ContextModel, context_tradeoff
    from entropycodec.sequence import encode

    if coders is None:
        coders = FREQUENCY_CODERS
    elif isinstance(coders, str):
        coders = (coders,)
    coders = tuple(coders)
    for c in coders:
        if c not in FREQUENCY_CODERS:
            raise InvalidInputError(f"a {type(model).__name__} model is coded by "
                                    f"{' and '.join(FREQUENCY_CODERS)}, not {c!r}")
    if isinstance(model, ContextModel):
        model = model.fitted_to(data)
    idx = model.to_indices(data)
    model.check_length(idx.size)
    n = int(idx.size)
    info = model.information_content(data) if n else np.zeros(0)
    bound = float(info.sum())
    coded = float(model.coded_information(data).sum()) if n else 0.0
    counts = np.bincount(idx, minlength=model.alphabet_size).astype(np.float64)
    h = entropy(counts) if n else 0.0
    distinct = int((counts > 0).sum())
    byte_data = is_byte_data(data)
    fixed = 8 if byte_data else max(1, math.ceil(math.log2(max(model.alphabet_size, 2))))
    original = fixed * n
    file_bits = None if source_size is None else 8 * int(source_size)
    accounts = {}
    for coder in coders:
        t0 = time.perf_counter()
        enc = encode(data, coder=coder, model=model)
        dt = time.perf_counter() - t0
        parts = {"quantization": coded - bound, "termination": enc.payload_bits - coded,
                 "header": float(enc.header_bits)}
        acc = CoderAccount(coder, n, enc.payload_bits, enc.header_bits, original, parts,
                           scale_bits=model.scale_bits, file_bits=file_bits)
        if timings:
            acc.seconds = dt
        accounts[coder] = acc
    cross = bound / n if n else 0.0
    tradeoff = []
    if isinstance(model, ContextModel):
        top = max(model.order, int(contexts or 0))
        tradeoff = context_tradeoff(idx, range(0, top + 1), alphabet_size=model.alphabet_size)
    name = repr(model)
    return Report(n, model.alphabet_size, distinct, original, h, cross, cross - h, accounts, {},
                  source, fixed, file_bits, True, byte_data, name, bound, tradeoff)
