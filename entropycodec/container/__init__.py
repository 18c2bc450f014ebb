"""The ``.ec`` container: stream and block layout, model descriptions, block coding.

Modules, bottom up: :mod:`.format` (limits, constants and ``struct`` layouts; it
imports no numpy, so the CLI reads its limits at no cost), :mod:`.modeldesc`
(the compact model descriptions, which the sequence coder also uses to size its
headers), :mod:`.crc`, :mod:`.blocks` (one block through one coder of the
registry), :mod:`.streams` (incremental stream writer and reader, and their
thread pools), :mod:`.inspect` (headers without decoding). docs/format.md is
the specification.
"""
