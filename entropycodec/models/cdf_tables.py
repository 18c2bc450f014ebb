"""The standard CDFs of the quantized families as exact fixed-point tables.

A quantized Gaussian, Laplace or logistic model must give the encoder and the
decoder the same integer frequencies on every machine. Calling ``erf`` or
``exp`` from the platform's math library would not: libm results differ in
the last bit between platforms (and numpy's own SIMD versions between CPUs).
So the kernels never evaluate a transcendental function. They look the CDF up
in one of these tables and interpolate in integers (the rule is in
:mod:`entropycodec.models.positional_kernels`).

Each table holds F(z) of the standard distribution at z = -Z + j / 2**GRID_BITS,
j = 0 .. 2 Z 2**GRID_BITS, rounded to the nearest multiple of 2**-CDF_BITS. The
values are computed here with :mod:`decimal` (libmpdec: correctly rounded
``exp``, exact arithmetic at 50 digits), so they are the same wherever Python
runs; a test pins their CRC-32. Beyond +-Z the CDF rounds to 0 or 1 at this
resolution (Gaussian: Phi(-10) = 7.6e-24; Laplace: exp(-28) / 2 = 3.5e-13 and
logistic: exp(-30) = 9.4e-14, both below 2**-38 = 3.6e-12).

The grid step 2**-7 keeps the interpolation error of a bin's mass small against
the mass itself (about (h z)**2 / 8 relative in the Gaussian tail: 4e-4 at z = 5,
a mismatch of under 1e-6 bits): what is coded is the interpolated model, exactly,
and the report counts its distance from the float model as quantization.

>>> t = cdf_table("gaussian")
>>> t.size, int(t[0]), int(t[-1]) == 1 << CDF_BITS
(2561, 0, True)
>>> int(t[t.size // 2]) == 1 << (CDF_BITS - 1)  # Phi(0) = 1/2
True
"""

from __future__ import annotations

import decimal
from functools import cache

import numpy as np

__all__ = ["CDF_BITS", "FAMILIES", "GRID_BITS", "cdf_table", "table_range"]

CDF_BITS = 38  # CDF values in units of 2**-38: times a frequency total < 2**24, still < 2**62
GRID_BITS = 7  # grid step 2**-7 in z
#: family -> Z: the table covers z in [-Z, Z]
FAMILIES = {"gaussian": 10, "laplace": 28, "logistic": 30}

_PREC = 50
_TINY = decimal.Decimal(10) ** (-_PREC)


def table_range(family: str) -> int:
    """Z, the half-width of the family's table in units of its scale parameter."""
    return FAMILIES[family]


def _gaussian(z: decimal.Decimal, ctx) -> decimal.Decimal:
    """Phi(z) = (1 + erf(z / sqrt 2)) / 2, erf from its all-positive series
    erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 3 5 ... (2n+1))."""
    x = abs(z) / ctx.sqrt(decimal.Decimal(2))
    x2 = x * x
    term = x
    total = x
    k = 0
    while True:
        k += 1
        term = term * 2 * x2 / (2 * k + 1)
        total += term
        if term <= total * _TINY:  # also ends the series of erf(0) = 0
            break
    pi = decimal.Decimal("3.14159265358979323846264338327950288419716939937510582097494459")
    erf = 2 / ctx.sqrt(pi) * ctx.exp(-x2) * total
    half = decimal.Decimal(1) / 2
    return half + half * erf if z >= 0 else half - half * erf


def _laplace(z: decimal.Decimal, ctx) -> decimal.Decimal:
    half = decimal.Decimal(1) / 2
    return half * ctx.exp(z) if z < 0 else 1 - half * ctx.exp(-z)


def _logistic(z: decimal.Decimal, ctx) -> decimal.Decimal:
    return 1 / (1 + ctx.exp(-z))


_CDFS = {"gaussian": _gaussian, "laplace": _laplace, "logistic": _logistic}


@cache
def cdf_table(family: str) -> np.ndarray:
    """The family's table (int64, read-only), computed on first use (~0.1-0.3 s)."""
    if family not in FAMILIES:
        raise KeyError(family)
    ctx = decimal.Context(prec=_PREC)
    cdf = _CDFS[family]
    z_max = FAMILIES[family]
    steps = 2 * z_max << GRID_BITS
    scale = decimal.Decimal(1 << CDF_BITS)
    step = decimal.Decimal(1) / (1 << GRID_BITS)
    out = np.empty(steps + 1, dtype=np.int64)
    with decimal.localcontext(ctx):
        for j in range(steps + 1):
            z = -z_max + j * step
            value = (cdf(z, ctx) * scale).to_integral_value(rounding=decimal.ROUND_HALF_EVEN)
            out[j] = int(value)
    out[0], out[-1] = 0, 1 << CDF_BITS  # the tails fold into the end points anyway
    np.maximum.accumulate(out, out=out)  # monotone by construction (it already is)
    out.setflags(write=False)
    return out
