"""The ``.ec`` container: stream and block layout, model descriptions, block coding.

Layers, bottom up: :mod:`.format` (constants and ``struct`` layouts),
:mod:`.modelcodec` (compact model descriptions), :mod:`.blockcodec` (one block
through one coder), :mod:`.stream` (incremental stream writer and reader),
:mod:`.inspect` (headers without decoding). docs/format.md is the specification.
"""
