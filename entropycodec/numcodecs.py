"""This package's coders as a numcodecs codec, for Zarr arrays (optional extra ``zarr``).

:class:`EntropyCodec` is a :class:`numcodecs.abc.Codec`: ``encode`` turns a chunk
buffer into one ``.ec`` stream (:func:`entropycodec.compress` of the chunk's raw
bytes), ``decode`` gives the bytes back (into ``out`` when one is given), and
``get_config``/``from_config`` round-trip its settings. It is registered under
the codec id ``"entropycodec"`` through the ``numcodecs.codecs`` entry point,
so ``numcodecs.get_codec({"id": "entropycodec", ...})`` finds it once the
package is installed; for Zarr format 3 arrays, :class:`EntropyCodecZarr3`
wraps it as a bytes-to-bytes codec (name ``"numcodecs.entropycodec"``,
registered through the ``zarr.codecs`` entry point).

``coder`` is any coder of :func:`entropycodec.compress` ("auto" by default),
``level`` the cm level (with ``coder="cm"``), ``block_size`` the block size of the
stream (chunks are usually smaller than one block).

>>> import numpy as np
>>> codec = EntropyCodec(coder="rans")
>>> chunk = np.arange(1000, dtype="<i4") % 7
>>> packed = codec.encode(chunk)
>>> len(packed) < chunk.nbytes
True
>>> np.frombuffer(codec.decode(packed), dtype="<i4").tolist() == chunk.tolist()
True
>>> EntropyCodec.from_config(codec.get_config()) == codec
True
"""

from __future__ import annotations

try:
    import numcodecs
    from numcodecs.abc import Codec
    from numcodecs.compat import ensure_contiguous_ndarray, ndarray_copy
except ImportError as exc:  # the optional extra is missing: say which one
    from entropycodec.errors import MissingExtraError

    raise MissingExtraError(
        "entropycodec.numcodecs needs numcodecs: pip install 'entropycodec[zarr]'") from exc

from entropycodec.api import compress, decompress
from entropycodec.container.blocks import check_coder
from entropycodec.container.format import DEFAULT_BLOCK_SIZE
from entropycodec.container.streams import check_block_size

__all__ = ["EntropyCodec", "EntropyCodecZarr3"]


class EntropyCodec(Codec):
    """A numcodecs codec that stores each chunk as one ``.ec`` stream."""

    codec_id = "entropycodec"

    def __init__(self, coder: str = "auto", level: int | None = None,
                 block_size: int = DEFAULT_BLOCK_SIZE):
        check_coder(coder, level)  # refuse a bad setting now, not at the first chunk
        self.coder = coder
        self.level = level
        self.block_size = check_block_size(block_size)

    def encode(self, buf) -> bytes:
        data = ensure_contiguous_ndarray(buf).view("u1")
        return compress(data, coder=self.coder, level=self.level, block_size=self.block_size)

    def decode(self, buf, out=None):
        data = decompress(ensure_contiguous_ndarray(buf).view("u1"))
        return ndarray_copy(data, out) if out is not None else data

    @classmethod
    def from_config(cls, config: dict) -> EntropyCodec:
        """The codec of ``get_config()`` (its "id" key included, or not)."""
        return cls(**{k: v for k, v in config.items() if k != "id"})

    def __eq__(self, other) -> bool:
        return isinstance(other, EntropyCodec) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((self.coder, self.level, self.block_size))

    def __repr__(self) -> str:
        return f"EntropyCodec(coder={self.coder!r}, level={self.level!r}, block_size={self.block_size})"


numcodecs.register_codec(EntropyCodec)


def _zarr3_codec():
    """The Zarr 3 wrapper class, built from zarr's numcodecs adapter (zarr >= 3.1)."""
    try:
        from zarr.codecs.numcodecs import _NumcodecsBytesBytesCodec
        from zarr.registry import register_codec
    except ImportError:
        return None

    class EntropyCodecZarr3(_NumcodecsBytesBytesCodec, codec_name="entropycodec"):
        """:class:`EntropyCodec` as a Zarr 3 bytes-to-bytes codec (``compressors=[...]``)."""

    EntropyCodecZarr3.__module__ = __name__
    # the entry point finds it in a new process; this covers an import before zarr reads
    register_codec("numcodecs.entropycodec", EntropyCodecZarr3)
    return EntropyCodecZarr3


#: Zarr 3's form of the codec (None when zarr 3.1+ is not installed)
EntropyCodecZarr3 = _zarr3_codec()
