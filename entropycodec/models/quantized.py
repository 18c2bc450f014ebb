"""Quantized continuous models: the integers low..high under a Gaussian, Laplace or logistic.

A neural codec's latents are rounded to integers and coded with a distribution
per latent: integer x gets the mass of [x - 1/2, x + 1/2] under a continuous
density with its own location and scale, the tails beyond the end points folded
into low and high. Parameters are scalars or arrays with one value per position
(broadcast against the symbols). The CDFs come from exact tables
(:mod:`entropycodec.models.cdf_tables`) through integer interpolation
(:mod:`entropycodec.models.positional_kernels`, rule QUANTIZED), so encoder and
decoder compute the same frequencies on every machine.

>>> import numpy as np
>>> q = QuantizedGaussian(0.0, 1.0, -3, 3)
>>> p = q.probabilities(np.arange(-3, 4))
>>> p.round(4).tolist(), round(float(p.sum()), 12)
([0.0062, 0.0606, 0.2417, 0.3829, 0.2417, 0.0606, 0.0062], 1.0)
>>> round(q.cross_entropy([0, 1, -1, 0]), 4)
1.7167
"""

from __future__ import annotations

import math

import numpy as np

from entropycodec.errors import InvalidInputError
from entropycodec.models.positional import PositionalModel, _check_scale_bits

__all__ = ["QuantizedGaussian", "QuantizedLaplace", "QuantizedLogistic"]

_MAX_RANGE = 1 << 23  # symbols low..high: at most half the largest frequency total


def _parameter(name: str, value, positive: bool) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a number or an array of numbers") from None
    if arr.ndim > 1:
        raise InvalidInputError(f"{name} must be a scalar or one value per position, "
                                f"got shape {arr.shape}")
    arr = arr.reshape(-1)
    if arr.size == 0:
        raise InvalidInputError(f"{name} is empty")
    bad = ~np.isfinite(arr) | ((arr <= 0) if positive else False)
    if np.any(bad):
        i = int(np.argmax(bad))
        what = "must be finite and > 0" if positive else "must be finite"
        at = f" at position {i}" if arr.size > 1 else ""
        raise InvalidInputError(f"{name} {float(arr[i])!r}{at} {what}")
    return np.ascontiguousarray(arr)


def _integer(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise InvalidInputError(f"{name} must be an integer, got {value!r}")
    return int(value)


class _Quantized(PositionalModel):
    family: str = ""
    loc_name, scale_name = "loc", "scale"

    def __init__(self, loc, scale, low, high, *, scale_bits: int | None = None):
        self.low, self.high = _integer("low", low), _integer("high", high)
        if self.high < self.low:
            raise InvalidInputError(f"high ({self.high}) must be >= low ({self.low})")
        if max(abs(self.low), abs(self.high)) >= 1 << 52:
            raise InvalidInputError("low and high must lie within +-2**52")
        r = self.high - self.low + 1
        if r > _MAX_RANGE:
            raise InvalidInputError(f"low..high holds {r} integers; at most {_MAX_RANGE}")
        self.alphabet_size = r
        self.loc = _parameter(self.loc_name, loc, positive=False)
        self.scale = _parameter(self.scale_name, scale, positive=True)
        sizes = {a.size for a in (self.loc, self.scale) if a.size > 1}
        if len(sizes) > 1:
            raise InvalidInputError(f"{self.loc_name} has {self.loc.size} values and "
                                    f"{self.scale_name} {self.scale.size}: they do not broadcast")
        self.n_positions = sizes.pop() if sizes else None
        self.scale_bits = _check_scale_bits(scale_bits, r)

    def _support_text(self) -> str:
        return f"range {self.low}..{self.high}"

    def to_indices(self, symbols) -> np.ndarray:
        return self._index_array(symbols, self.low)

    def from_indices(self, idx) -> np.ndarray:
        return np.asarray(idx, dtype=np.int64) + self.low

    def kernel_arguments(self, n: int):
        from entropycodec.models import positional_kernels as pk
        from entropycodec.models.cdf_tables import cdf_table, table_range

        self.check_length(n)
        table = cdf_table(self.family).reshape(1, -1)
        params = np.array([self.scale_bits, self.alphabet_size, self.low,
                           table_range(self.family)], dtype=np.int64)
        return pk.QUANTIZED, self.loc.reshape(1, -1), self.scale.reshape(1, -1), table, params

    # -- the float model ------------------------------------------------------------------

    def _cdf(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _positions(self, n: int):
        loc = self.loc if self.loc.size > 1 else np.full(n, self.loc[0])
        scale = self.scale if self.scale.size > 1 else np.full(n, self.scale[0])
        return loc, scale

    def probabilities_of(self, idx) -> np.ndarray:
        idx = np.asarray(idx, dtype=np.int64)
        loc, scale = self._positions(idx.size)
        x = (idx + self.low).astype(np.float64)
        upper = np.where(x >= self.high, 1.0, self._cdf((x + 0.5 - loc) / scale))
        lower = np.where(x <= self.low, 0.0, self._cdf((x - 0.5 - loc) / scale))
        return np.maximum(upper - lower, 0.0)

    def probabilities(self, symbols) -> np.ndarray:
        """q_i(x_i) of the continuous model (before quantization) for integer ``symbols``."""
        idx = self.to_indices(symbols)
        if self.n_positions is not None:
            self.check_length(idx.size)
        return self.probabilities_of(idx)

    def __repr__(self) -> str:
        def show(a):
            return f"{a[0]:g}" if a.size == 1 else f"<{a.size} values>"
        return (f"{type(self).__name__}({show(self.loc)}, {show(self.scale)}, {self.low}, "
                f"{self.high}, scale_bits={self.scale_bits})")


class QuantizedGaussian(_Quantized):
    """Integers in [low, high] under N(mean, std**2), each with the mass of [x - 1/2, x + 1/2].

    >>> QuantizedGaussian([0.0, 2.5], 1.5, -8, 8).information_content([0, 3]).round(3).tolist()
    [1.937, 2.014]
    """

    family = "gaussian"
    loc_name, scale_name = "mean", "std"

    def __init__(self, mean, std, low, high, *, scale_bits: int | None = None):
        super().__init__(mean, std, low, high, scale_bits=scale_bits)

    @property
    def mean(self):
        return self.loc

    @property
    def std(self):
        return self.scale

    def _cdf(self, z):
        from math import erfc

        return 0.5 * np.vectorize(erfc, otypes=[float])(-z / math.sqrt(2))


class QuantizedLaplace(_Quantized):
    """Integers in [low, high] under Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale).

    >>> round(QuantizedLaplace(0.0, 1.0, -10, 10).cross_entropy([0]), 4)
    1.3457
    """

    family = "laplace"

    def _cdf(self, z):
        return np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0)))


class QuantizedLogistic(_Quantized):
    """Integers in [low, high] under the logistic distribution: CDF 1 / (1 + exp(-(x - loc) / scale)).

    >>> round(QuantizedLogistic(0.0, 1.0, -10, 10).cross_entropy([0]), 4)
    2.0296
    """

    family = "logistic"

    def _cdf(self, z):
        return 0.5 * (1 + np.tanh(z / 2))
