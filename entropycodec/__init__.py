"""entropycodec: entropy coders that account for every bit, and a file compressor.

Huffman, arithmetic (range), rANS and context-mixing coders built from observed
symbol frequencies, with exact reports of how the achieved size compares with
the entropy H(P) and, under a mismatched model Q, the cross-entropy H(P, Q).

Names are imported lazily (PEP 562) so that ``import entropycodec`` and the
command line start fast; numba kernels compile (or load from cache) on first use.

>>> import entropycodec
>>> round(entropycodec.entropy([0.5, 0.2, 0.2, 0.1]), 3)
1.761
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS = {
    # measures and models
    "entropy": "measures",
    "cross_entropy": "measures",
    "kl_divergence": "measures",
    "js_divergence": "measures",
    "information_content": "measures",
    "conditional_entropy": "empirical",
    "Alphabet": "alphabet",
    "FrequencyTable": "frequency",
    "quantize_counts": "frequency",
    "StaticModel": "models",
    "AdaptiveModel": "adaptive",
    # codes and coders
    "HuffmanCode": "huffman",
    "check_prefix_code": "prefixcheck",
    "PrefixCodeCheck": "prefixcheck",
    "ArithmeticEncoder": "arithmetic",
    "ArithmeticDecoder": "arithmetic",
    "RansEncoder": "rans",
    "RansDecoder": "rans",
    "encode": "coding",
    "decode": "coding",
    "Encoded": "coding",
    # bit accounting
    "analyze": "report",
    "Report": "report",
    # file format and stdlib-shaped API
    "compress": "api",
    "decompress": "api",
    "open": "api",
    "Compressor": "api",
    "Decompressor": "api",
    "ECFile": "api",
    "read_header": "container.inspect",
    # errors
    "EntropyCodecError": "errors",
    "InvalidInputError": "errors",
    "ModelError": "errors",
    "CorruptDataError": "errors",
    "TruncatedDataError": "errors",
    "ChecksumError": "errors",
    "LimitExceededError": "errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'entropycodec' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
