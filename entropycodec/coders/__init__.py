"""The coders, and the one registry of their names that every layer reads.

Each coder is a module here with its numba kernels beside it
(``rans.py`` + ``rans_kernels.py``, ...). :data:`CODERS` names them once: the
``.ec`` block id, the implementation module, the functions that code an index
array, and what the coder needs from a model. The sequence coder
(:mod:`entropycodec.sequence`), the container, the CLI and the experiments
all read this table, so a new coder is one entry here, not eight edits.

Importing this package imports no numpy and no numba: the implementation
modules load on first use (:meth:`CoderSpec.implementation`).

>>> [spec.name for spec in CODERS.values()]
['raw', 'huffman', 'arithmetic', 'rans', 'adaptive', 'cm', 'bwt', 'context']
>>> get("rans").coder_id, get("rans").model_kind
(4, 'frequencies')
>>> SYMBOL_CODERS
('huffman', 'arithmetic', 'rans', 'adaptive', 'cm', 'bwt')
>>> MODEL_CODERS, LEARNING_CODERS, BYTES_ONLY_CODERS
(('huffman', 'arithmetic', 'rans'), ('adaptive', 'cm', 'bwt', 'context'), ('cm', 'bwt'))
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

__all__ = [
    "AUTO_CANDIDATES",
    "BYTES_ONLY_CODERS",
    "CODERS",
    "FREQUENCY_CODERS",
    "LEARNING_CODERS",
    "MODEL_CODERS",
    "SYMBOL_CODERS",
    "CoderSpec",
    "by_id",
    "get",
]

# What a coder needs from a model:
#   "none"        nothing (raw: the bytes are stored)
#   "code"        a prefix code (HuffmanCode), described by its code lengths
#   "frequencies" integer frequencies at a scale (models.FrequencyModel)
#   "learned"     nothing up front: it learns its model while coding (adaptive, cm)
MODEL_KINDS = ("none", "code", "frequencies", "learned")


@dataclass(frozen=True)
class CoderSpec:
    """One coder: its name, its ``.ec`` block id and where its implementation lives.

    ``encode(indices, model) -> bytes`` and ``decode(payload, n, model) -> indices``
    are the implementation module's ``encode_name`` / ``decode_name`` functions;
    ``model`` is what ``model_kind`` says (a HuffmanCode, a FrequencyModel, the
    alphabet size for "adaptive", the level for "cm" and "bwt").
    """

    name: str
    coder_id: int
    module: str | None
    encode_name: str | None
    decode_name: str | None
    model_kind: str
    bytes_only: bool = False
    has_level: bool = False
    auto_order: int | None = None  # rank among coder="auto"'s candidates (ties: lower wins)
    learning_part: str | None = None  # "learned" coders: the report's name for what learning costs
    summary: str = ""
    block_only: bool = False  # a block coder of the .ec container only (not an encode() coder)
    # coders whose payload has layouts (huffman: one or four streams; rans: its lanes): the
    # newest, which blocks are written with and name in their parameter byte;
    # encode(..., layout=N) writes and decode(..., layout=N) reads layouts 0..N
    stream_layout: int | None = None

    def implementation(self):
        """The implementation module (imported on first use)."""
        return importlib.import_module(f"{__name__}.{self.module}")

    def entry_model(self, model, alphabet_size: int):
        """What :meth:`encode`/:meth:`decode` take as their model: ``model`` itself (the
        HuffmanCode, the FrequencyModel, cm's level), or for a learning coder without a
        level (adaptive) the alphabet size.

        >>> get("adaptive").entry_model(None, 256), get("cm").entry_model(7, 256)
        (256, 7)
        """
        if self.model_kind == "learned" and not self.has_level:
            return alphabet_size
        return model

    def encode(self, indices, model, **layout) -> bytes:
        """``indices`` coded with ``model``; ``layout=N`` for a coder with a
        :attr:`stream_layout` (its library default otherwise)."""
        return getattr(self.implementation(), self.encode_name)(indices, model, **layout)

    def decode(self, payload, n: int, model, *, out=None, **layout):
        """``n`` indices decoded from ``payload``; into ``out`` when given (a writable
        contiguous array of ``n`` indices, filled completely). ``layout=N`` for a coder
        with a :attr:`stream_layout`."""
        return getattr(self.implementation(), self.decode_name)(payload, n, model, out=out,
                                                                **layout)


CODERS: dict[str, CoderSpec] = {spec.name: spec for spec in (
    CoderSpec("raw", 1, None, None, None, "none", bytes_only=True,
              summary="stored bytes (a block that would not shrink)"),
    CoderSpec("huffman", 2, "huffman", "huffman_encode", "huffman_decode", "code", auto_order=0,
              stream_layout=1, summary="canonical Huffman code, whole bits per symbol"),
    CoderSpec("arithmetic", 3, "arithmetic", "arithmetic_encode", "arithmetic_decode",
              "frequencies", auto_order=2, summary="range coder (arithmetic coding) with a static model"),
    CoderSpec("rans", 4, "rans", "rans_encode", "rans_decode", "frequencies", auto_order=1,
              stream_layout=1, summary="interleaved rANS with a static model"),
    CoderSpec("adaptive", 5, "adaptive", "adaptive_encode", "adaptive_decode", "learned",
              learning_part="adaptation", summary="adaptive order-0 range coder (learns while coding)"),
    CoderSpec("cm", 6, "cm", "cm_encode", "cm_decode", "learned", bytes_only=True,
              has_level=True, learning_part="context_modelling",
              summary="context mixing (lpaq-style), bytes only"),
    CoderSpec("bwt", 7, "bwt", "bwt_encode", "bwt_decode", "learned", bytes_only=True,
              has_level=True, learning_part="context_modelling",
              summary="Burrows-Wheeler transform, move-to-front, adaptive binary model; bytes only"),
    CoderSpec("context", 8, "context", "context_encode", "context_decode", "learned",
              bytes_only=True, has_level=True, learning_part="context_modelling", block_only=True,
              summary="static order-1/2 context model of the block, range coded; bytes only"),
)}
_BY_ID = {spec.coder_id: spec for spec in CODERS.values()}

#: coders of any symbol sequence (:func:`entropycodec.encode`), in report order
SYMBOL_CODERS = tuple(name for name, spec in CODERS.items()
                      if spec.model_kind != "none" and not spec.block_only)
#: coders that take a model given up front (a mismatched Q can be measured with them)
MODEL_CODERS = tuple(name for name, spec in CODERS.items() if spec.model_kind in ("code", "frequencies"))
#: coders that code with integer frequencies (the FrequencyModel protocol)
FREQUENCY_CODERS = tuple(name for name, spec in CODERS.items() if spec.model_kind == "frequencies")
#: coder="auto"'s candidates, in order: the fastest decoders first, so ties go to them
AUTO_CANDIDATES = tuple(sorted((name for name, spec in CODERS.items() if spec.auto_order is not None),
                               key=lambda name: CODERS[name].auto_order))
#: coders that learn their model while coding (no model=, no model description)
LEARNING_CODERS = tuple(name for name, spec in CODERS.items() if spec.model_kind == "learned")
#: symbol coders that code bytes only (cm models the bits of bytes, bwt sorts bytes)
BYTES_ONLY_CODERS = tuple(name for name in SYMBOL_CODERS if CODERS[name].bytes_only)


def get(name: str) -> CoderSpec:
    """The coder called ``name``; InvalidInputError naming the choices otherwise."""
    spec = CODERS.get(name) if isinstance(name, str) else None
    if spec is None:
        from ..errors import InvalidInputError

        raise InvalidInputError(f"unknown coder {name!r}; choose from {', '.join(CODERS)}")
    return spec


def by_id(coder_id: int) -> CoderSpec | None:
    """The coder whose ``.ec`` block id is ``coder_id`` (None if none is)."""
    return _BY_ID.get(coder_id)
