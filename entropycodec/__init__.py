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

import os

from entropycodec.lazy import lazy_names

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS = {
    # measures and models
    "entropy": "measures",
    "cross_entropy": "measures",
    "kl_divergence": "measures",
    "js_divergence": "measures",
    "information_content": "measures",
    "conditional_entropy": "measures",
    "Alphabet": "alphabet",
    "FrequencyTable": "models.counts",
    "quantize_counts": "models.counts",
    "StaticModel": "models.static",
    "AdaptiveModel": "models.adaptive",
    "Categorical": "models.positional",
    "QuantizedGaussian": "models.quantized",
    "QuantizedLaplace": "models.quantized",
    "QuantizedLogistic": "models.quantized",
    "ContextModel": "models.context",
    # codes and coders
    "HuffmanCode": "coders.huffman",
    "check_prefix_code": "coders.prefixcheck",
    "PrefixCodeCheck": "coders.prefixcheck",
    "ArithmeticEncoder": "coders.arithmetic",
    "ArithmeticDecoder": "coders.arithmetic",
    "RansEncoder": "coders.rans",
    "RansDecoder": "coders.rans",
    "encode": "sequence",
    "decode": "sequence",
    "Encoded": "sequence",
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


def _writable(path: str) -> bool:
    """Whether ``path`` exists and is writable, or could be created (nearest existing parent)."""
    while path and not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return bool(path) and os.access(path, os.W_OK)


def _numba_cache_dir(package_dir: str, environ) -> str | None:
    """Where numba should cache kernels, when it would otherwise have nowhere to.

    numba caches compiled kernels beside their sources or, failing that, in the
    user's cache directory ($XDG_CACHE_HOME or ~/.cache); when neither is writable
    (a read-only install run by a user without a home) its first compile raises.
    Then a per-user temporary directory is used. None: leave numba's choice alone.
    """
    if "NUMBA_CACHE_DIR" in environ or _writable(package_dir):
        return None
    user_cache = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if _writable(os.path.join(user_cache, "numba")):
        return None
    import tempfile

    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return os.path.join(tempfile.gettempdir(), f"entropycodec-numba-{uid}")


# Must run before numba is imported (kernels import it lazily, so nothing has yet).
_cache_dir = _numba_cache_dir(os.path.dirname(os.path.abspath(__file__)), os.environ)
if _cache_dir is not None:
    os.environ["NUMBA_CACHE_DIR"] = _cache_dir
del _cache_dir


__getattr__, __dir__ = lazy_names(globals(), __name__, _EXPORTS, __all__)
