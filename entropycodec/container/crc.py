"""The container's CRC-32: :func:`crc32` of a buffer, and :func:`crc32_combine`, the CRC of
a concatenation from the CRCs of its parts (zlib's ``crc32_combine``).

``crc32`` is zlib-ng's when the ``fast`` extra is installed (:data:`ACCELERATED`), else
zlib's; both give zlib's values (CRC-32/ISO-HDLC), so no file depends on which one wrote it.

The stream's content CRC is the CRC of all blocks back to back. Each block's CRC
is computed where the block is coded (on a worker thread); combining them here
keeps the writer's serial work independent of the data size.

CRC-32 is linear over GF(2): appending ``len2`` bytes to a message multiplies
its CRC by x^(8 len2) modulo the CRC polynomial P, then adds the CRC of the
appended part. Polynomials are stored bit-reflected, as zlib does (x^0 is the
top bit), so the products below shift right.

>>> import zlib
>>> a, b = b"hello, ", b"world"
>>> crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
True
"""

from __future__ import annotations

__all__ = ["ACCELERATED", "crc32", "crc32_combine"]

# crc32(data, value=0): zlib's CRC-32, the same values. zlib-ng's (the ``fast`` extra) folds
# with carry-less multiplication: 57 against 4 GB/s for zlib's here, and a block is checked
# twice on each side (bible.txt at level 1: 2.4 of 22 ms per compress() with zlib's).
try:
    from zlib_ng.zlib_ng import crc32
    ACCELERATED = True
except ImportError:  # the extra is not installed
    from zlib import crc32
    ACCELERATED = False

_POLY = 0xEDB88320  # P, reflected


def _multmodp(a: int, b: int) -> int:
    """a(x) * b(x) mod P, both reflected."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x2n_table() -> list[int]:
    """x^(2^k) mod P for k = 0..31."""
    table, p = [], 1 << 30  # x^1
    for _ in range(32):
        table.append(p)
        p = _multmodp(p, p)
    return table


_X2N = _x2n_table()


def _x2nmodp(n: int, k: int) -> int:
    """x^(n * 2^k) mod P."""
    p = 1 << 31  # x^0
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return p


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A + B from crc1 = crc32(A), crc2 = crc32(B) and len2 = len(B)."""
    if len2 == 0:
        return crc1  # crc2 is the CRC of nothing, 0
    if _native_combine is not None:  # zlib-ng's, in C (the loops below take ~0.1 ms)
        return _native_combine(crc1, crc2, len2)
    return _multmodp(_x2nmodp(len2, 3), crc1) ^ crc2


try:
    from zlib_ng.zlib_ng import crc32_combine as _native_combine
except ImportError:
    _native_combine = None
