"""The contract every coder in the registry keeps, through every way in (Nayuki's case list).

One case list -- empty, one symbol, one distinct symbol repeated, every byte value, random
distributions, every corpus file, truncation -- run over every coder the registry names:

* the registry's own entry points, ``CoderSpec.encode(indices, model)`` / ``.decode``;
* the sequence API, :func:`entropycodec.encode` / :func:`entropycodec.decode`, for every
  coder of :data:`entropycodec.coders.SYMBOL_CODERS`;
* the container, :func:`entropycodec.compress` / :func:`entropycodec.decompress`, for every
  name of :data:`entropycodec.coders.CODERS` and "auto".

A coder added to the registry is tested here without an edit, except for the tables that
pin facts about one coder: the exact payload sizes (golden sizes, so that a change of the
format or of a model cannot pass silently) and what a bare payload lets a decoder detect.
The per-coder files keep the golden bytes, the pure-Python twins and what only one coder has
(lanes, levels, code-length limits, kernel tables).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from conftest import ALL_CORPUS_FILES, corpus_params

import entropycodec as ec
from entropycodec.alphabet import BYTE_ALPHABET
from entropycodec.coders import CODERS, SYMBOL_CODERS
from entropycodec.coders.rans import rans_decode
from entropycodec.container.blocks import AUTO_CANDIDATES
from entropycodec.container.format import BLOCK_HEADER, DEFAULT_BLOCK_SIZE, END_RECORD, STREAM_HEADER
from entropycodec.container.inspect import read_header
from entropycodec.container.modeldesc import decode_code_lengths, decode_frequencies
from entropycodec.errors import (
    CorruptDataError,
    EntropyCodecError,
    InvalidInputError,
    TruncatedDataError,
)

CONTAINER_CODERS = (*CODERS, "auto")
EMPTY_STREAM_BYTES = STREAM_HEADER.size + END_RECORD.size  # 12 + 22: a stream of no blocks
FRAMING_BYTES = EMPTY_STREAM_BYTES + BLOCK_HEADER.size  # one block's framing: 58 bytes


# -- the case list ------------------------------------------------------------------------

def _dirichlet(seed: int, concentration: float, n: int) -> bytes:
    """n bytes drawn from a random distribution over the 256 values: small concentrations
    give a few dominant symbols, large ones a near-uniform source."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(256, concentration))
    return rng.choice(256, size=n, p=p).astype(np.uint8).tobytes()


def _rare_symbol_runs(seed: int) -> bytes:
    """Long runs of one byte between short runs of another: the interval coders'
    underflow- and carry-prone input (P(rare) ~ 2**-9 in the runs' statistics)."""
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(100):
        runs.append(np.zeros(rng.integers(1, 3000), np.uint8))
        runs.append(np.ones(rng.integers(1, 20), np.uint8))
    return np.concatenate(runs).tobytes()


#: byte inputs every coder codes; imported by the per-coder files for their twin checks
BYTE_CASES = {
    "empty": b"",
    "one_symbol_00": b"\x00",
    "one_symbol_41": b"A",
    "one_symbol_80": b"\x80",
    "one_symbol_ff": b"\xff",
    "one_distinct_repeated": b"z" * 100_000,
    "every_byte_value": bytes(range(256)) * 40,
    "uniform_random": np.random.default_rng(1).integers(0, 256, 20_000).astype(np.uint8).tobytes(),
    "abcd_iid": np.random.default_rng(2).choice(
        np.frombuffer(b"ABCD", np.uint8), 5000, p=[0.5, 0.2, 0.2, 0.1]).tobytes(),
    "dirichlet_0.05": _dirichlet(3, 0.05, 20_000),
    "dirichlet_1": _dirichlet(4, 1.0, 20_000),
    "dirichlet_20": _dirichlet(5, 20.0, 20_000),
    "rare_symbol_runs": _rare_symbol_runs(6),
}

#: (payload bytes, header bits) of encode(case, coder=...): golden sizes. Read across a row:
#: one symbol costs Huffman one 1-bit code word (a byte), the range coder nothing (P = 1),
#: rANS its four 8-byte states; every byte value costs Huffman 8 bits each, the range coder
#: 8 bits each in two lanes plus lane 0's 2-byte length, rANS 8 bits each plus its states.
GOLDEN_SIZES = {
    "empty": {"huffman": (0, 0), "arithmetic": (0, 0), "rans": (0, 0), "adaptive": (0, 0),
              "cm": (0, 0), "bwt": (0, 0)},
    "one_symbol_00": {"huffman": (1, 32), "arithmetic": (0, 32), "rans": (3, 32),
                      "adaptive": (1, 0), "cm": (1, 8), "bwt": (2, 8)},
    "one_symbol_41": {"huffman": (1, 32), "arithmetic": (0, 32), "rans": (3, 32),
                      "adaptive": (1, 0), "cm": (1, 8), "bwt": (3, 8)},
    "one_symbol_80": {"huffman": (1, 32), "arithmetic": (0, 32), "rans": (3, 32),
                      "adaptive": (1, 0), "cm": (1, 8), "bwt": (3, 8)},
    "one_symbol_ff": {"huffman": (1, 32), "arithmetic": (0, 32), "rans": (3, 32),
                      "adaptive": (1, 0), "cm": (1, 8), "bwt": (3, 8)},
    "one_distinct_repeated": {"huffman": (12500, 32), "arithmetic": (1, 32), "rans": (3, 32),
                              "adaptive": (106, 0), "cm": (50, 8), "bwt": (10, 8)},
    "every_byte_value": {"huffman": (10240, 1032), "arithmetic": (10242, 2312),
                         "rans": (10243, 2312), "adaptive": (10541, 0), "cm": (227, 8), "bwt": (268, 8)},
    "uniform_random": {"huffman": (20000, 1032), "arithmetic": (19980, 2568),
                       "rans": (19980, 2568), "adaptive": (20306, 0), "cm": (20081, 8), "bwt": (20146, 8)},
    "abcd_iid": {"huffman": (1124, 64), "arithmetic": (1104, 104), "rans": (1104, 104),
                 "adaptive": (1118, 0), "cm": (1145, 8), "bwt": (1110, 8)},
    "dirichlet_0.05": {"huffman": (11385, 600), "arithmetic": (11316, 1120),
                       "rans": (11316, 1120), "adaptive": (11415, 0), "cm": (11732, 8), "bwt": (11396, 8)},
    "dirichlet_1": {"huffman": (18482, 1280), "arithmetic": (18412, 2728),
                    "rans": (18411, 2728), "adaptive": (18714, 0), "cm": (18755, 8), "bwt": (18568, 8)},
    "dirichlet_20": {"huffman": (19972, 1032), "arithmetic": (19904, 2552),
                     "rans": (19904, 2552), "adaptive": (20220, 0), "cm": (20036, 8), "bwt": (20069, 8)},
    "rare_symbol_runs": {"huffman": (18745, 40), "arithmetic": (1149, 64), "rans": (1159, 64),
                         "adaptive": (1273, 0), "cm": (284, 8), "bwt": (248, 8)},
}


def _words(seed: int, n: int, k: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [f"w{i}" for i in rng.zipf(1.3, n) % k]


#: inputs that are not bytes, for the coders that code any symbols
SYMBOL_CASES = {
    "empty_str": "",
    "empty_list": [],
    "empty_array": np.array([], dtype=np.int64),
    "one_str": "x",
    "one_tuple_symbol": [(1, 2)],
    "one_distinct_repeated_str": "a" * 5000,
    "abcd_str": "ABCAADABCA" * 50,
    "words": _words(7, 20_000, 3000),
    "large_alphabet_ints": np.random.default_rng(8).integers(0, 5000, 30_000).tolist(),
    "negative_and_large_ints": np.random.default_rng(9).choice(
        np.array([-7, 0, 3, 10**12]), 2000, p=[0.1, 0.6, 0.2, 0.1]),
    "mixed_symbols": [3.5, "a", (1, 2), None, "a", 3.5, "a"] * 20,
}

#: What a bare payload lets each decoder detect (through decompress() the container's sizes
#: and CRCs catch everything). Huffman's decoder stops after n code words and a cut always
#: removes bits it needs; rANS checks its final states. The range coders (arithmetic,
#: adaptive) and cm may decode a cut stream to other symbols, never to the original.
EVERY_TRUNCATION_RAISES = {"huffman": TruncatedDataError, "rans": CorruptDataError}
IGNORES_TRAILING_BYTES = {"huffman"}  # a prefix code has no end mark; the block size does


def _case_params(cases: dict):
    return [pytest.param(data, id=name) for name, data in cases.items()]


def _registry_model(spec, encoded):
    """The model ``spec.encode``/``spec.decode`` take, as CoderSpec's docstring names it: the
    HuffmanCode or FrequencyModel for the model-taking coders, the level for a coder with
    levels, the alphabet size for the other learning coders."""
    if spec.model_kind == "learned":
        return encoded.model if spec.has_level else len(encoded.alphabet)
    return encoded.model


def _order0_bits(counts) -> float:
    """n H(P) for the empirical distribution of ``counts``."""
    c = np.asarray(counts, dtype=np.float64)
    c = c[c > 0]
    return float(-(c * np.log2(c / c.sum())).sum()) if c.size else 0.0


def _check_cost(coder: str, enc, natural: bool = False) -> None:
    """The payload costs what the coder's model says (exactly for a prefix code). On
    ``natural`` data (the corpora) the quantized model loses < 0.05% of n H0 besides."""
    spec = CODERS[coder]
    counts = np.asarray(enc.counts)
    bits = enc.payload_bits
    if spec.model_kind == "code":
        lengths = np.asarray(enc.model.lengths_array)[: counts.size]
        assert bits == 8 * math.ceil(int((counts * lengths).sum()) / 8)
        assert bits <= _order0_bits(counts) + enc.n_symbols + 7  # H <= L < H + 1
    elif spec.model_kind == "frequencies":
        freqs, _ = enc.model.frequency_tables(enc.n_symbols)
        used = counts > 0
        ideal = float((counts[used] * (enc.model.scale_bits - np.log2(freqs[used]))).sum())
        # a final byte may hold a few bits of the last symbol's information, and the flush
        # (the range coder's low, rANS's states and partial words) is at most 64 bytes
        assert ideal - 8 - _free_tail_bits(coder, enc) < bits <= ideal + 8 * 64, (bits, ideal)
        if natural:
            assert bits <= 1.0005 * _order0_bits(counts) + 8 * 64
    else:
        # learning coders: at most the cost of learning k symbols' probabilities on top of
        # n H0 (about (k - 1)/2 log2 n bits for a universal code), or less by using context
        k = int((counts > 0).sum())
        learning = (k - 1) / 2 * math.log2(max(enc.n_symbols, 2))
        assert bits <= 1.03 * _order0_bits(counts) + learning + 8 * 128, (bits, learning)


def _free_tail_bits(coder: str, enc) -> float:
    """What rANS does not spend on the run of index-0 symbols that ends the data: its lanes
    start at x = 1, and C(0, 1) = 1 while the symbol's start is 0 (ptt5 ends with 36,316
    zero bytes: 902 bytes of information that cost nothing), plus 32 bits a lane for the
    first symbols it codes while its state is small."""
    if coder != "rans" or not enc.n_symbols:
        return 0.0
    idx = rans_decode(enc.payload, enc.n_symbols, enc.model)
    nonzero = np.flatnonzero(idx)
    tail = enc.n_symbols - (int(nonzero[-1]) + 1 if nonzero.size else 0)
    freqs, _ = enc.model.frequency_tables(enc.n_symbols)
    return tail * (enc.model.scale_bits - math.log2(freqs[0])) + 4 * 32 if tail else 4 * 32


# -- the registry's own entry points -----------------------------------------------------

@pytest.mark.parametrize("coder", SYMBOL_CODERS)
@pytest.mark.parametrize("data", _case_params({k: v for k, v in BYTE_CASES.items() if v}))
def test_registry_entry_points_agree_with_the_sequence_api(coder, data):
    spec = CODERS[coder]
    enc = ec.encode(data, coder=coder)
    model = _registry_model(spec, enc)
    indices = np.frombuffer(data, dtype=np.uint8)
    assert spec.encode(indices, model) == enc.payload
    out = spec.decode(enc.payload, len(data), model)
    assert out.dtype == np.uint8 and out.tobytes() == data


@pytest.mark.parametrize("coder", SYMBOL_CODERS)
def test_registry_empty_input_and_bytes_for_no_symbols(coder):
    spec = CODERS[coder]
    model = _registry_model(spec, ec.encode(b"ABCAADABCA", coder=coder))
    assert spec.encode(np.array([], dtype=np.uint8), model) == b""
    out = spec.decode(b"", 0, model)
    assert out.dtype == np.uint8 and out.shape == (0,)
    if coder in IGNORES_TRAILING_BYTES:
        assert spec.decode(b"\x01", 0, model).shape == (0,)
    else:
        with pytest.raises(CorruptDataError):
            spec.decode(b"\x01", 0, model)


@pytest.mark.parametrize("coder", SYMBOL_CODERS)
def test_registry_payload_limits(coder):
    spec = CODERS[coder]
    data = BYTE_CASES["abcd_iid"][:300]
    enc = ec.encode(data, coder=coder)
    model = _registry_model(spec, enc)
    with pytest.raises(CorruptDataError):  # truncated or over a limit: no huge allocation
        spec.decode(enc.payload, 10**15, model)
    with pytest.raises(InvalidInputError):
        spec.decode(enc.payload, -1, model)
    if coder in IGNORES_TRAILING_BYTES:
        assert spec.decode(enc.payload + b"\x00", len(data), model).tobytes() == data
    else:
        with pytest.raises(CorruptDataError):
            spec.decode(enc.payload + b"\x00", len(data), model)


# -- the sequence API ----------------------------------------------------------------------

@pytest.mark.parametrize("coder", SYMBOL_CODERS)
@pytest.mark.parametrize("name", list(BYTE_CASES))
def test_sequence_round_trip_and_golden_sizes(coder, name):
    data = BYTE_CASES[name]
    enc = ec.encode(data, coder=coder)
    out = ec.decode(enc)
    assert type(out) is bytes and out == data
    assert enc.coder == coder and enc.n_symbols == len(data)
    assert enc.payload_bits == 8 * len(enc.payload)
    assert enc.total_bits == enc.payload_bits + enc.header_bits
    assert coder in GOLDEN_SIZES[name], f"add {coder}'s sizes to GOLDEN_SIZES[{name!r}]"
    assert (len(enc.payload), enc.header_bits) == GOLDEN_SIZES[name][coder]
    if data:
        assert enc.counts.sum() == len(data)
        _check_cost(coder, enc)
    else:
        assert enc.payload == b"" and enc.total_bits == 0


@pytest.mark.parametrize("coder", SYMBOL_CODERS)
@pytest.mark.parametrize("data", _case_params(SYMBOL_CASES))
def test_sequence_any_symbols(coder, data):
    if CODERS[coder].bytes_only:
        if len(data):
            with pytest.raises(InvalidInputError, match="bytes only"):
                ec.encode(data, coder=coder)
        return
    enc = ec.encode(data, coder=coder)
    out = ec.decode(enc)
    if isinstance(data, np.ndarray):
        assert type(out) is np.ndarray and out.dtype == data.dtype
        np.testing.assert_array_equal(out, data)
    else:
        assert type(out) is type(data) and out == data
    assert enc.n_symbols == len(data)
    if len(data):
        _check_cost(coder, enc)
    else:
        assert enc.total_bits == 0


@pytest.mark.parametrize("coder", SYMBOL_CODERS)
@pytest.mark.parametrize("seed", range(6))
def test_sequence_random_distributions(coder, seed):
    """Random alphabets (2..300 symbols), random skews, random lengths, bytes and ints."""
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 257 if CODERS[coder].bytes_only else 300))
    p = rng.dirichlet(np.full(k, float(rng.choice([0.05, 0.5, 5.0]))))
    n = int(rng.integers(1, 5000))
    idx = rng.choice(k, size=n, p=p)
    values = rng.permutation(256)[:k] if k <= 256 else rng.permutation(10 * k)[:k] - k
    data = values[idx]
    data = data.astype(np.uint8).tobytes() if k <= 256 else data.tolist()
    enc = ec.encode(data, coder=coder)
    assert ec.decode(enc) == data
    _check_cost(coder, enc)


def _corpus_data(path, coder, request) -> bytes:
    data = path.read_bytes()
    if coder in SLOW_CODERS and not request.config.getoption("--runslow"):
        data = data[:SLOW_CODER_PREFIX]
    return data


# cm codes about 1 MB/s each way: by default the contract gives it the first 64 KB of each
# corpus file (test_cm.py round-trips every whole file); --runslow gives it the whole files.
SLOW_CODERS = {"cm"}
SLOW_CODER_PREFIX = 1 << 16


@pytest.mark.parametrize("coder", SYMBOL_CODERS)
@pytest.mark.parametrize("path", corpus_params(ALL_CORPUS_FILES))
def test_sequence_corpus(path, coder, request):
    data = _corpus_data(path, coder, request)
    enc = ec.encode(data, coder=coder)
    assert ec.decode(enc) == data
    _check_cost(coder, enc, natural=True)


@pytest.mark.parametrize("coder", SYMBOL_CODERS)
@pytest.mark.parametrize("name", ["abcd_iid", "dirichlet_1", "every_byte_value"])
def test_sequence_truncated_payload(coder, name):
    """A cut payload raises a package error or decodes to other data, never the original.
    The decoder itself, unchecked (verify=False): decode() checks payload_crc first, and
    every cut is a ChecksumError there (tests/test_encoded_integrity.py)."""
    data = BYTE_CASES[name][:400]
    enc = ec.encode(data, coder=coder)
    assert len(enc.payload) > 40
    strict = EVERY_TRUNCATION_RAISES.get(coder)
    spec = CODERS[coder]
    model = _registry_model(spec, enc)
    for cut in range(len(enc.payload)):
        cut_enc = dataclasses.replace(enc, payload=enc.payload[:cut])
        if strict is not None:
            with pytest.raises(strict):
                ec.decode(cut_enc, verify=False)
            continue
        try:
            out = ec.decode(cut_enc, verify=False)
        except EntropyCodecError:
            continue
        # what a cut stream decodes to is other data, and the cut stream is exactly the
        # encoding of that data: the decoder accepts only what the encoder can write
        assert len(out) == len(data) and out != data, cut
        assert spec.encode(np.frombuffer(out, np.uint8), model) == cut_enc.payload, cut


# -- the container -------------------------------------------------------------------------

def _check_container(packed: bytes, data: bytes, coder: str, block_size: int) -> None:
    """Round trip, the framing's sizes, and each block's choice of coder and model."""
    assert ec.decompress(packed) == data
    info = read_header(packed)
    assert len(info.streams) == 1 and info.uncompressed_size == len(data)
    blocks = info.blocks
    assert [b.original_size for b in blocks] == [
        min(block_size, len(data) - i) for i in range(0, len(data), block_size)]
    assert len(packed) == EMPTY_STREAM_BYTES + sum(b.stored_size for b in blocks)
    allowed = {*AUTO_CANDIDATES, "raw"} if coder == "auto" else {coder, "raw"}
    start = 0
    for b in blocks:
        assert b.coder in allowed
        spec = CODERS[b.coder]
        if b.coder == "raw":  # stored: a coded block would not have been smaller
            assert (b.model_size, b.payload_size) == (0, b.original_size)
        else:
            assert b.model_size + b.payload_size < b.original_size
        if spec.has_level:
            impl = spec.implementation()
            assert b.coder_param in impl.LEVELS
        else:  # a coder with payload layouts names the newest; the others have none
            assert b.coder_param == (spec.stream_layout or 0)
        _check_block_payload(packed, b, data[start:start + b.original_size])
        start += b.original_size


def _check_block_payload(packed: bytes, block, original: bytes) -> None:
    """The payload is what the registry's coder writes for the model the block describes."""
    spec = CODERS[block.coder]
    start = block.offset + BLOCK_HEADER.size
    desc = packed[start:start + block.model_size]
    payload = packed[start + block.model_size:start + block.model_size + block.payload_size]
    if spec.model_kind == "none":
        assert payload == original
        return
    if spec.model_kind == "code":
        model = ec.HuffmanCode.from_lengths(decode_code_lengths(desc))
    elif spec.model_kind == "frequencies":
        freqs, scale_bits = decode_frequencies(desc)
        model = ec.StaticModel(BYTE_ALPHABET, freqs, scale_bits)
    else:
        assert desc == b""
        model = block.coder_param if spec.has_level else len(BYTE_ALPHABET)
    layout = {} if spec.stream_layout is None else {"layout": block.coder_param}
    assert spec.encode(np.frombuffer(original, dtype=np.uint8), model, **layout) == payload


@pytest.mark.parametrize("coder", CONTAINER_CODERS)
@pytest.mark.parametrize("data", _case_params(BYTE_CASES))
def test_container_round_trip(coder, data):
    packed = ec.compress(data, coder=coder)
    _check_container(packed, data, coder, DEFAULT_BLOCK_SIZE)
    assert len(packed) <= len(data) + FRAMING_BYTES  # never more than raw storage
    if not data:
        assert len(packed) == EMPTY_STREAM_BYTES
    elif coder != "auto" and CODERS[coder].model_kind == "learned" and not CODERS[coder].block_only:
        block = read_header(packed).blocks[0]
        if block.coder == coder:  # no model description: the payload is encode()'s
            assert block.payload_size == len(ec.encode(data, coder=coder).payload)


@pytest.mark.parametrize("coder", CONTAINER_CODERS)
def test_container_several_blocks(coder):
    data = BYTE_CASES["dirichlet_0.05"][:10_000] + BYTE_CASES["one_distinct_repeated"][:5000]
    block_size = 4096
    packed = ec.compress(data, coder=coder, block_size=block_size)
    _check_container(packed, data, coder, block_size)
    assert len(read_header(packed).blocks) == 4


@pytest.mark.parametrize("coder", CONTAINER_CODERS)
@pytest.mark.parametrize("path", corpus_params(ALL_CORPUS_FILES))
def test_container_corpus(path, coder, request):
    data = _corpus_data(path, coder, request)
    packed = ec.compress(data, coder=coder)
    _check_container(packed, data, coder, DEFAULT_BLOCK_SIZE)
    blocks = read_header(packed).blocks
    assert len(packed) <= len(data) + FRAMING_BYTES * len(blocks)
    start = 0
    for b in blocks:
        block = data[start:start + b.original_size]
        start += b.original_size
        if CODERS[b.coder].model_kind == "frequencies":  # the writer's choice of scale_bits
            counts = np.bincount(np.frombuffer(block, np.uint8), minlength=256)
            assert 8 * b.payload_size <= 1.0005 * _order0_bits(counts) + 8 * 64


@pytest.mark.parametrize("coder", CONTAINER_CODERS)
def test_container_every_truncation_is_truncated_data(coder):
    data = BYTE_CASES["abcd_iid"][:300] + b"the end"
    packed = ec.compress(data, coder=coder)
    assert ec.decompress(packed) == data
    for cut in range(len(packed)):
        with pytest.raises(TruncatedDataError):  # a CorruptDataError, an EOFError
            ec.decompress(packed[:cut])
