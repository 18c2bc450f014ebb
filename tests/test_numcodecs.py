"""The numcodecs codec and real chunked Zarr arrays (formats 2 and 3) stored with it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

numcodecs = pytest.importorskip("numcodecs", reason="the zarr extra (numcodecs) is not installed")
zarr = pytest.importorskip("zarr", reason="the zarr extra (zarr) is not installed")

from entropycodec.numcodecs import EntropyCodec, EntropyCodecZarr3  # noqa: E402

ARRAYS = {
    "int32": (np.arange(40_000, dtype="<i4") % 97).reshape(200, 200),
    "uint8": np.random.default_rng(0).choice(4, size=(64, 64, 8), p=[0.5, 0.2, 0.2, 0.1]).astype(np.uint8),
    "float64": np.round(np.random.default_rng(1).normal(size=(150, 120)), 2),
}


@pytest.mark.parametrize("coder", ["auto", "huffman", "arithmetic", "rans", "adaptive", "cm", "raw"])
def test_codec_round_trip_and_config(coder):
    codec = EntropyCodec(coder=coder)
    data = ARRAYS["int32"]
    packed = codec.encode(data)
    assert np.frombuffer(codec.decode(packed), dtype=data.dtype).reshape(data.shape).tolist() == data.tolist()
    out = np.empty_like(data)
    assert codec.decode(packed, out=out) is out and (out == data).all()
    config = codec.get_config()
    assert config == {"id": "entropycodec", "coder": coder, "level": None, "block_size": 1 << 22}
    assert numcodecs.get_codec(config) == codec


def test_codec_output_is_one_ec_stream():
    import entropycodec as ec

    data = ARRAYS["uint8"]
    assert EntropyCodec(coder="rans").encode(data) == ec.compress(data.tobytes(), coder="rans")


def test_bad_settings_are_refused_at_once():
    import entropycodec as ec

    with pytest.raises(ec.InvalidInputError, match="unknown coder"):
        EntropyCodec(coder="lz4")
    with pytest.raises(ec.InvalidInputError, match="block_size"):
        EntropyCodec(block_size=0)


def test_corrupt_chunk_raises_the_package_error():
    import entropycodec as ec

    packed = bytearray(EntropyCodec().encode(ARRAYS["int32"]))
    packed[40] ^= 0xFF
    with pytest.raises(ec.CorruptDataError):
        EntropyCodec().decode(bytes(packed))


@pytest.mark.parametrize("name", list(ARRAYS))
def test_zarr_format_2_array(tmp_path, name):
    data = ARRAYS[name]
    chunks = tuple(max(1, s // 3) for s in data.shape)
    z = zarr.create_array(store=str(tmp_path / "a.zarr"), shape=data.shape, chunks=chunks,
                          dtype=data.dtype, compressors=[EntropyCodec(coder="auto")], zarr_format=2)
    z[:] = data
    back = zarr.open_array(str(tmp_path / "a.zarr"), mode="r")
    assert back.dtype == data.dtype and (back[:] == data).all()
    assert back.compressors == (EntropyCodec(coder="auto"),)


@pytest.mark.skipif(EntropyCodecZarr3 is None, reason="zarr >= 3.1 is needed for format 3")
@pytest.mark.filterwarnings("ignore:Numcodecs codecs are not in the Zarr version 3 specification")
@pytest.mark.parametrize("name", list(ARRAYS))
def test_zarr_format_3_array(tmp_path, name):
    data = ARRAYS[name]
    chunks = tuple(max(1, s // 2) for s in data.shape)
    z = zarr.create_array(store=str(tmp_path / "a.zarr"), shape=data.shape, chunks=chunks,
                          dtype=data.dtype, compressors=[EntropyCodecZarr3(coder="rans")], zarr_format=3)
    z[:] = data
    back = zarr.open_array(str(tmp_path / "a.zarr"), mode="r")
    assert (back[:] == data).all()
    assert back[3:7, 5].tolist() == data[3:7, 5].tolist()  # a read across chunks


@pytest.mark.skipif(EntropyCodecZarr3 is None, reason="zarr >= 3.1 is needed for format 3")
def test_a_new_process_finds_the_codecs_through_the_entry_points(tmp_path):
    """Written here, read in a process that never imports entropycodec: zarr and numcodecs
    find the codec through the installed package's entry points."""
    data = ARRAYS["int32"]
    for fmt, codec in ((2, EntropyCodec()), (3, EntropyCodecZarr3())):
        path = str(tmp_path / f"a{fmt}.zarr")
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z = zarr.create_array(store=path, shape=data.shape, chunks=(100, 100), dtype=data.dtype,
                                  compressors=[codec], zarr_format=fmt)
            z[:] = data
        code = (f"import zarr, warnings; warnings.simplefilter('ignore'); "
                f"a = zarr.open_array({path!r}, mode='r')[:]; print(int(a.sum()))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert int(out.stdout) == int(data.sum()), out.stderr
