"""The ``.ec`` container: stream and block layout, model descriptions, block coding.

Layers, bottom up: :mod:`.format` (constants and ``struct`` layouts),
:mod:`.blockcodec` (one block through one coder), :mod:`.stream` (incremental
stream writer and reader), :mod:`.inspect` (headers without decoding). The
compact model descriptions live one layer down, in :mod:`entropycodec.container.modeldesc`,
because the coding layer sizes its headers with them too. docs/format.md is the
specification.
"""
