"""The public surface: every exported name resolves, and nothing is exported by accident."""

import subprocess
import sys

import entropycodec

EXPECTED = {
    # measures and models
    "entropy", "cross_entropy", "kl_divergence", "js_divergence", "information_content",
    "conditional_entropy", "Alphabet", "FrequencyTable", "quantize_counts", "StaticModel",
    "AdaptiveModel",
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
