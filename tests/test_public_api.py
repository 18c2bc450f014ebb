"""The public surface: every exported name resolves, and nothing is exported by accident."""

import subprocess
import sys

import entropycodec

EXPECTED = {
    # measures and models
    "entropy", "cross_entropy", "kl_divergence", "js_divergence", "information_content",
    "conditional_entropy", "Alphabet", "FrequencyTable", "quantize_counts", "StaticModel",
    "AdaptiveModel", "Categorical", "QuantizedGaussian", "QuantizedLaplace", "QuantizedLogistic",
    "ContextModel",
    # codes and coders
    "HuffmanCode", "check_prefix_code", "PrefixCodeCheck", "ArithmeticEncoder",
    "ArithmeticDecoder", "RansEncoder", "RansDecoder", "encode", "decode", "Encoded",
    # report
    "analyze", "Report",
    # file format and stdlib-shaped API
    "compress", "decompress", "open", "Compressor", "Decompressor", "ECFile", "read_header",
    # errors
    "EntropyCodecError", "InvalidInputError", "ModelError", "CorruptDataError",
    "TruncatedDataError", "ChecksumError", "LimitExceededError",
}


def test_surface_is_pinned():
    assert set(entropycodec.__all__) == EXPECTED | {"__version__"}


def test_every_name_resolves():
    for name in EXPECTED:
        assert getattr(entropycodec, name) is not None, name


def test_import_is_light():
    code = ("import sys, entropycodec; "
            "assert 'numpy' not in sys.modules and 'numba' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


# The exception tree, pinned by each class's whole MRO: bad data is also an OSError (what a
# bz2 or gzip user catches: gzip.BadGzipFile) and a ValueError (what lzma's and bz2's
# one-shot functions raise), truncation also an EOFError; bad arguments are ValueError only.
ERROR_MROS = {
    "EntropyCodecError": ["EntropyCodecError", "Exception"],
    "InvalidInputError": ["InvalidInputError", "EntropyCodecError", "ValueError", "Exception"],
    "ModelError": ["ModelError", "InvalidInputError", "EntropyCodecError", "ValueError",
                   "Exception"],
    "CorruptDataError": ["CorruptDataError", "EntropyCodecError", "ValueError", "OSError",
                         "Exception"],
    "TruncatedDataError": ["TruncatedDataError", "CorruptDataError", "EntropyCodecError",
                           "ValueError", "OSError", "EOFError", "Exception"],
    "ChecksumError": ["ChecksumError", "CorruptDataError", "EntropyCodecError", "ValueError",
                      "OSError", "Exception"],
    "LimitExceededError": ["LimitExceededError", "CorruptDataError", "EntropyCodecError",
                           "ValueError", "OSError", "Exception"],
}


def test_exception_tree_is_pinned():
    exported = {name for name in EXPECTED
                if isinstance(getattr(entropycodec, name), type)
                and issubclass(getattr(entropycodec, name), BaseException)}
    assert exported == set(ERROR_MROS)
    for name, mro in ERROR_MROS.items():
        cls = getattr(entropycodec, name)
        assert [c.__name__ for c in cls.__mro__] == [*mro, "BaseException", "object"], name


def test_errors_share_one_root():
    root = entropycodec.EntropyCodecError
    for name in EXPECTED:
        obj = getattr(entropycodec, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, root)
    assert issubclass(entropycodec.TruncatedDataError, EOFError)
    assert issubclass(entropycodec.CorruptDataError, ValueError)


def test_numba_cache_falls_back_to_a_temporary_directory(monkeypatch, tmp_path):
    import os

    from entropycodec import _numba_cache_dir

    pkg, home = str(tmp_path / "site" / "entropycodec"), str(tmp_path / "home")
    os.makedirs(pkg)
    os.makedirs(home)
    env = {"XDG_CACHE_HOME": os.path.join(home, ".cache")}
    assert _numba_cache_dir(pkg, env) is None  # package dir writable: numba caches beside sources
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if p.startswith(pkg) else real_access(p, m))
    assert _numba_cache_dir(pkg, env) is None  # the user cache directory can be created
    monkeypatch.setattr(os, "access", lambda p, m: False)
    fallback = _numba_cache_dir(pkg, env)
    assert fallback is not None and "entropycodec-numba" in fallback
    assert _numba_cache_dir(pkg, {**env, "NUMBA_CACHE_DIR": "/x"}) is None  # the user's choice wins
