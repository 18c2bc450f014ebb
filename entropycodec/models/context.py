"""The static order-k context model: a table of symbol counts after each context of k symbols.

``ContextModel(order=k)`` given to :func:`entropycodec.encode` (coder "arithmetic" or
"rans") is fitted to the data it codes: symbol x at position i is coded with the
distribution of the symbols that follow the k symbols before i (positions before
0 count as symbol 0). Such a model costs n H(X | k previous) bits plus its
description, which lists only the contexts that occur (docs/format.md, "Context
model description"). A larger k lowers the first and raises the second:
:func:`context_tradeoff` shows both, so you can see where a context stops paying.

``ContextModel.fit(train, order=k, floor=True)`` builds a model of one sequence for
coding another: every symbol then keeps a frequency in every context (the counts
are smoothed towards the order-0 distribution of ``train``; unseen contexts use
that distribution), so any sequence over the alphabet is codable.

>>> m = ContextModel.fit(b"abracadabra abracadabra", order=1)
>>> m.contexts, len(m.description())
(7, 39)
>>> round(m.cross_entropy(b"abracadabra abracadabra"), 4)  # H(X | previous) of the data
0.7187
"""

from __future__ import annotations

import numpy as np

from entropycodec.errors import CorruptDataError, InvalidInputError, LimitExceededError
from entropycodec.models.positional import PositionalModel, _check_scale_bits

__all__ = ["ContextModel", "context_tradeoff"]

MAX_ORDER = 8
DENSE_CONTEXTS = 1 << 16  # up to this many possible contexts, a dense map finds the row
DEFAULT_CONTEXT_SCALE_BITS = 16
_MAX_IDS = 1 << 62
#: from_description builds dense rows (contexts x k int64): beyond this many entries (1 GiB)
#: a description is refused before anything is allocated (a crafted one of a few KiB could
#: otherwise declare 2**23 symbols in thousands of contexts: hundreds of GiB)
MAX_TABLE_ENTRIES = 1 << 27
_MIN_ROW_BYTES = 4  # id delta, row scale, symbol count, one symbol: a row is never shorter


def _symbols_array(data, alphabet_size: int | None):
    if isinstance(data, (bytes, bytearray, memoryview)):
        arr = np.frombuffer(data, dtype=np.uint8)
        return arr, 256 if alphabet_size is None else alphabet_size
    arr = np.asarray(data)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise InvalidInputError("a context model codes bytes or a 1-d array of integer symbols")
    if arr.size and int(arr.min()) < 0:
        i = int(np.argmax(arr < 0))
        raise InvalidInputError(f"symbol {int(arr[i])} at position {i} is negative")
    k = alphabet_size if alphabet_size is not None else (int(arr.max()) + 1 if arr.size else 1)
    if arr.size and int(arr.max()) >= k:
        i = int(np.argmax(arr >= k))
        raise InvalidInputError(f"symbol {int(arr[i])} at position {i} is outside 0..{k - 1}")
    return arr, k


def context_ids(idx: np.ndarray, order: int, k: int) -> np.ndarray:
    """The context of every position: sum over d = 1..order of x[i - d] k**(d - 1)."""
    n = idx.size
    ids = np.zeros(n, dtype=np.int64)
    pad = np.concatenate((np.zeros(order, dtype=np.int64), idx.astype(np.int64)))
    for d in range(order, 0, -1):
        ids = ids * k + pad[order - d:order - d + n]
    return ids


def _varint(out: bytearray, v: int) -> None:
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def varint(self) -> int:
        v, shift = 0, 0
        while True:
            if self.pos >= len(self.data):
                raise CorruptDataError("context model description ends early")
            b = self.data[self.pos]
            self.pos += 1
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7
            if shift > 63:
                raise CorruptDataError("context model description: varint too long")

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise CorruptDataError("context model description ends early")
        self.pos += 1
        return self.data[self.pos - 1]


class ContextModel(PositionalModel):
    """A static order-``order`` model (k = 1, 2, ...; see the module docstring).

    Unfitted (``ContextModel(order=2)``): :func:`entropycodec.encode` and
    :func:`entropycodec.analyze` fit it to the data. Fitted: :meth:`fit`, or
    :meth:`from_description` of what :meth:`description` wrote.
    """

    def __init__(self, order: int = 1, *, alphabet_size: int | None = None,
                 scale_bits: int | None = None, floor: bool = False):
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) \
                or not 1 <= order <= MAX_ORDER:
            raise InvalidInputError(f"order must be an int in 1..{MAX_ORDER}, got {order!r}")
        self.order = int(order)
        self.alphabet_size = alphabet_size
        self.scale_bits = scale_bits
        self.floor = bool(floor)
        self.fitted = False
        self.n_positions = None

    # -- fitting --------------------------------------------------------------------------

    @classmethod
    def fit(cls, data, order: int = 1, *, alphabet_size: int | None = None,
            scale_bits: int | None = None, floor: bool = False) -> ContextModel:
        """The model of ``data`` (bytes or non-negative integers below ``alphabet_size``)."""
        m = cls(order, alphabet_size=alphabet_size, scale_bits=scale_bits, floor=floor)
        arr, k = _symbols_array(data, alphabet_size)
        if k ** m.order >= _MAX_IDS:
            raise InvalidInputError(f"{k} symbols to the power {m.order} is too many contexts")
        m.alphabet_size = k
        m.scale_bits = _check_scale_bits(
            DEFAULT_CONTEXT_SCALE_BITS if scale_bits is None else scale_bits, k)
        from entropycodec.models.context_counts import joint_counts

        found = joint_counts(arr, m.order, k)
        if found is not None:
            contexts, bounds, sym, counts = found
        else:  # too many contexts for dense tables: sort
            ids = context_ids(arr, m.order, k)
            joint, counts = np.unique(ids * k + arr.astype(np.int64), return_counts=True)
            ctx, sym = joint // k, joint % k
            contexts, starts = np.unique(ctx, return_index=True)
            bounds = np.append(starts, ctx.size)
        rows = np.zeros((contexts.size, k), dtype=np.int64)
        M = 1 << m.scale_bits
        order0 = np.bincount(arr, minlength=k).astype(np.float64) + 1.0
        order0 /= order0.sum()
        m.row_bits = np.zeros(contexts.size, dtype=np.int64)
        from entropycodec.models.counts import quantize_counts

        if floor:  # every row has all k symbols: quantize them all at once
            weights = np.tile(order0, (contexts.size, 1))
            weights[np.repeat(np.arange(contexts.size), np.diff(bounds)), sym] += counts
            rows[:] = _floor_rows(weights, m.scale_bits)
            m.row_bits[:] = m.scale_bits
        else:
            # a row of few counts is stored at a small scale (its counts nearly exactly),
            # and widened to the model's scale for coding; all rows quantized in one kernel
            from entropycodec.models.quantize_kernels import quantize_rows

            totals = np.add.reduceat(counts, bounds[:-1]).tolist() if contexts.size else []
            distinct = np.diff(bounds).tolist()
            m.row_bits[:] = [min(m.scale_bits, max(t.bit_length(), (d - 1).bit_length(), 1))
                             for t, d in zip(totals, distinct)]
            freqs = quantize_rows(counts, bounds, m.row_bits)
            row_of = np.repeat(np.arange(contexts.size), distinct)
            rows[row_of, sym] = freqs << (m.scale_bits - m.row_bits[row_of])
        m.contexts_ids = contexts
        m.rows = rows
        m.fallback = quantize_counts(order0, m.scale_bits) if floor else _uniform(k, M)
        m.counts = (contexts, bounds, sym, counts)
        m.fitted = True
        m._args = None
        m._description = None
        return m

    def fitted_to(self, data) -> ContextModel:
        """This model if fitted, else a copy of its settings fitted to ``data``."""
        if self.fitted:
            return self
        return type(self).fit(data, self.order, alphabet_size=self.alphabet_size,
                              scale_bits=self.scale_bits, floor=self.floor)

    @property
    def contexts(self) -> int:
        self._require_fit()
        return int(self.contexts_ids.size)

    def _require_fit(self):
        if not self.fitted:
            raise InvalidInputError("this ContextModel is not fitted: ContextModel.fit(data, order) "
                                    "or give it to encode() / analyze(), which fit it to the data")

    # -- what the coders read ---------------------------------------------------------

    def kernel_arguments(self, n: int):
        from entropycodec.models import positional_kernels as pk

        self._require_fit()
        if self._args is None:
            k = self.alphabet_size
            table = np.vstack((self.rows, self.fallback[None, :]))
            cumulative = np.zeros((table.shape[0], k + 1), dtype=np.int32)
            np.cumsum(table, axis=1, out=cumulative[:, 1:])
            dense = k ** self.order <= DENSE_CONTEXTS
            head = [self.scale_bits, k, self.order, int(dense), self.contexts]
            if dense:
                where = np.full(k ** self.order, -1, dtype=np.int64)
                where[self.contexts_ids] = np.arange(self.contexts)
            else:
                where = self.contexts_ids
            params = np.concatenate((np.array(head, dtype=np.int64), where))
            self._args = (pk.CONTEXT, np.zeros((1, 1)), np.zeros((1, 1)), cumulative, params)
        return self._args

    def to_indices(self, symbols) -> np.ndarray:
        self._require_fit()
        if isinstance(symbols, (bytes, bytearray, memoryview)):
            return np.frombuffer(symbols, dtype=np.uint8).astype(np.int64)
        return self._index_array(symbols)

    def from_indices(self, idx) -> np.ndarray:
        return np.asarray(idx, dtype=np.int64)

    def probabilities_of(self, idx) -> np.ndarray:
        """q(x_i | context) of the fitted model before quantization: the counts of the
        data it was fitted to (smoothed when ``floor``), or of the rows a description
        lists; 0 for a symbol a seen context never showed, and in a context never seen
        the row the coders use there (uniform; with ``floor``, the order-0 one)."""
        self._require_fit()
        idx = np.asarray(idx, dtype=np.int64)
        k = self.alphabet_size
        ids = context_ids(idx, self.order, k)
        contexts, bounds, sym, counts = self.counts
        r = np.searchsorted(contexts, ids)
        r_ok = (r < contexts.size) & (contexts[np.minimum(r, contexts.size - 1)] == ids)
        joint = contexts[np.repeat(np.arange(contexts.size), np.diff(bounds))] * k + sym
        pos = np.searchsorted(joint, ids * k + idx)
        hit = (pos < joint.size) & (joint[np.minimum(pos, joint.size - 1)] == ids * k + idx)
        c_joint = np.where(hit, counts[np.minimum(pos, counts.size - 1)], 0).astype(np.float64)
        row_total = np.add.reduceat(counts, bounds[:-1]).astype(np.float64) if counts.size else np.zeros(0)
        c_ctx = np.where(r_ok, row_total[np.minimum(r, max(row_total.size - 1, 0))], 0.0)
        if not self.floor:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(c_ctx > 0, c_joint / np.maximum(c_ctx, 1), 1.0 / k)
        order0 = self.fallback / float(1 << self.scale_bits)
        return (c_joint + order0[idx]) / (c_ctx + 1.0)

    # -- the description ----------------------------------------------------------------

    def description(self) -> bytes:
        """The compact description a decoder needs (docs/format.md, "Context model
        description"): the contexts that occur, each with the symbols it lists."""
        self._require_fit()
        if getattr(self, "_description", None) is None:  # a fitted model does not change
            self._description = self._describe()
        return self._description

    def _describe(self) -> bytes:
        # bit 7 of the order byte: the row for unseen contexts follows the rows (floor models)
        out = bytearray([self.order | (FALLBACK_FLAG if self.floor else 0)])
        _varint(out, self.alphabet_size)
        out.append(self.scale_bits)
        _varint(out, self.contexts)
        from entropycodec.models.context_description import describe_rows

        out += describe_rows(self.contexts_ids, self.rows, self.row_bits, self.scale_bits).tobytes()
        if self.floor:
            _write_row(out, self.fallback, self.scale_bits)
        return bytes(out)

    @property
    def header_bits(self) -> int:
        return 8 * len(self.description())

    @classmethod
    def from_description(cls, data, *, order: int | None = None,
                         alphabet_size: int | None = None) -> ContextModel:
        """The model :meth:`description` wrote (CorruptDataError if it is not one).

        ``order``, ``alphabet_size``: what the caller expects (a block's level and 256);
        a description of another model is a CorruptDataError before any table is made.
        Rows that would take more than MAX_TABLE_ENTRIES entries: LimitExceededError."""
        rd = _Reader(bytes(data))
        stored_order = rd.byte()
        has_fallback = bool(stored_order & FALLBACK_FLAG)
        stored_order &= ~FALLBACK_FLAG
        if not 1 <= stored_order <= MAX_ORDER or (order is not None and stored_order != order):
            raise CorruptDataError(f"context model description: order {stored_order}")
        order = stored_order
        k = rd.varint()
        bits = rd.byte()
        if not 1 <= k <= 1 << 23 or not 1 <= bits <= 24 or (1 << bits) < 2 * k \
                or k ** order >= _MAX_IDS or (alphabet_size is not None and k != alphabet_size):
            raise CorruptDataError("context model description: bad alphabet size or scale")
        contexts = rd.varint()
        if _MIN_ROW_BYTES * contexts > len(rd.data) - rd.pos or contexts > k ** order:
            raise CorruptDataError("context model description: more contexts than it can hold")
        if contexts * k > MAX_TABLE_ENTRIES:
            raise LimitExceededError(f"context model description: {contexts} contexts of {k} "
                                     f"symbols exceed {MAX_TABLE_ENTRIES} table entries")
        m = cls(order, alphabet_size=k, scale_bits=bits)
        ids = np.zeros(contexts, dtype=np.int64)
        rows = np.zeros((contexts, k), dtype=np.int64)
        row_bits = np.zeros(contexts, dtype=np.int64)
        cid = 0
        for r in range(contexts):
            cid += rd.varint()
            if cid >= k ** order or (r and cid <= ids[r - 1]):
                raise CorruptDataError("context model description: context ids out of order")
            ids[r] = cid
            rb = rd.byte()
            if not 1 <= rb <= bits:
                raise CorruptDataError("context model description: bad row scale")
            listed = rd.varint()
            if not 1 <= listed <= k:
                raise CorruptDataError("context model description: bad symbol count")
            j, used = -1, 0
            for t in range(listed):
                j += rd.varint() + 1
                if j >= k:
                    raise CorruptDataError("context model description: symbol outside the alphabet")
                f = (1 << rb) - used if t == listed - 1 else rd.varint() + 1
                used += f
                if f < 1 or used > 1 << rb:
                    raise CorruptDataError("context model description: frequencies overflow")
                rows[r, j] = f << (bits - rb)
            row_bits[r] = rb
        fallback = _read_row(rd, k, bits) if has_fallback else _uniform(k, 1 << bits)
        if rd.pos != len(rd.data):
            raise CorruptDataError("context model description: bytes after its end")
        m.contexts_ids, m.rows, m.row_bits = ids, rows, row_bits
        m.fallback = fallback
        # the float model of a described model is its rows (the counts are not stored)
        r_of, sym = np.nonzero(rows)  # row-major: by context, then by symbol
        m.counts = (ids, np.searchsorted(r_of, np.arange(contexts + 1)), sym.astype(np.int64),
                    rows[r_of, sym])
        m.fitted = True
        m._args = None
        return m

    def __repr__(self) -> str:
        state = f"{self.contexts} contexts" if self.fitted else "not fitted"
        return f"ContextModel(order={self.order}, {state})"


def _floor_rows(weights: np.ndarray, bits: int) -> np.ndarray:
    """Rows of positive weights as frequencies summing to 2**bits, every one >= 1:
    max(1, floor(w 2**bits / W)), and the rounding's remainder on each row's first
    largest weight (vectorized; the compressor's rows use quantize_counts instead)."""
    M = 1 << bits
    f = np.maximum(1, np.floor(weights * (M / weights.sum(axis=1, keepdims=True)))).astype(np.int64)
    top = np.argmax(weights, axis=1)
    f[np.arange(f.shape[0]), top] += M - f.sum(axis=1)
    return f


FALLBACK_FLAG = 0x80


def _write_row(out: bytearray, row, bits: int) -> None:
    """A row as the description lists it (its scale byte, the symbols, their frequencies)."""
    listed = np.flatnonzero(row)
    out.append(bits)
    _varint(out, listed.size)
    last = -1
    for j in listed[:-1].tolist():
        _varint(out, j - last - 1)
        _varint(out, int(row[j]) - 1)
        last = j
    _varint(out, int(listed[-1]) - last - 1)


def _read_row(rd, k: int, bits: int) -> np.ndarray:
    """The fallback row: every one of the k symbols listed, at the model's scale."""
    if rd.byte() != bits:
        raise CorruptDataError("context model description: the unseen-context row's scale")
    if rd.varint() != k:
        raise CorruptDataError("context model description: the unseen-context row must list "
                               "every symbol")
    row = np.zeros(k, dtype=np.int64)
    used = 0
    for j in range(k):
        if rd.varint() != 0:
            raise CorruptDataError("context model description: the unseen-context row skips a symbol")
        f = (1 << bits) - used if j == k - 1 else rd.varint() + 1
        used += f
        if f < 1 or used > 1 << bits:
            raise CorruptDataError("context model description: frequencies overflow")
        row[j] = f
    return row


def _uniform(k: int, M: int) -> np.ndarray:
    f = np.full(k, M // k, dtype=np.int64)
    f[: M % k] += 1
    return f


def context_tradeoff(data, orders=range(0, 4), *, alphabet_size: int | None = None) -> list[dict]:
    """For each order j: n H(X | j previous) (the conditional entropy of the data, in bits),
    the size of an order-j model's description, and their sum. Order 0 is the plain
    frequency table (its description counted as one listed row, about 2 bytes per symbol).

    >>> rows = context_tradeoff(b"abracadabra " * 50, orders=(0, 1, 2))
    >>> [r["order"] for r in rows], rows[0]["conditional_entropy"] > rows[2]["conditional_entropy"]
    ([0, 1, 2], True)
    """
    arr, k = _symbols_array(data, alphabet_size)
    n = arr.size
    out = []
    for j in orders:
        if j == 0:
            c = np.bincount(arr, minlength=k).astype(np.float64)
            nz = c[c > 0]
            bits = float(-(nz * np.log2(nz / max(n, 1))).sum())
            desc = 8 * (3 + 2 * int((c > 0).sum()))  # a listed row: ~2 bytes per symbol
        else:
            m = ContextModel.fit(arr, j, alphabet_size=k)
            bits = float(-np.log2(m.probabilities_of(arr)).sum()) if n else 0.0
            desc = m.header_bits
        out.append({"order": int(j), "conditional_entropy": bits / n if n else 0.0,
                    "content_bits": bits, "description_bits": desc, "total_bits": bits + desc})
    return out

