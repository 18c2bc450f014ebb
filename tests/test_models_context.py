"""The static order-k context model (entropycodec.models.context), its description
(docs/format.md, "Context model description"), context_tradeoff, the "context" block
coder (entropycodec.coders.context, id 8) and `entropycodec analyze FILE --context-order K`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import CANTERBURY, CANTERBURY_FILES, OWN_CORPORA, SKIP_REASON, corpus_params

import entropycodec as ec
from entropycodec.cli.main import cli
from entropycodec.coders.context import context_decode, context_encode
from entropycodec.errors import (
    ChecksumError,
    CorruptDataError,
    InvalidInputError,
    LimitExceededError,
    ModelError,
)
from entropycodec.models.context import MAX_TABLE_ENTRIES, ContextModel, context_tradeoff

CODERS = ("arithmetic", "rans")
ABRA = b"abracadabra abracadabra"
MARKOV = (OWN_CORPORA / "markov.txt").read_bytes()
TEXTS = ("alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt")


def canterbury(name: str) -> bytes:
    path = CANTERBURY / name
    if not path.is_file():
        pytest.skip(SKIP_REASON)
    return path.read_bytes()


# -- fitting and coding ---------------------------------------------------------------------

def test_docstring_model():
    m = ContextModel.fit(ABRA, order=1)
    assert (m.contexts, m.alphabet_size, m.scale_bits, len(m.description())) == (7, 256, 16, 39)
    assert m.description().hex() == (
        "01800210070001016120010161410404200141060003000103017201020161010201610e030161")
    assert m.header_bits == 8 * 39
    assert repr(m) == "ContextModel(order=1, 7 contexts)"
    assert repr(ContextModel(order=2)) == "ContextModel(order=2, not fitted)"


@pytest.mark.parametrize("name, order, description_bytes", [
    ("alice29.txt", 1, 2979), ("alice29.txt", 2, 16328),
    ("plrabn12.txt", 1, 2966), ("plrabn12.txt", 2, 20386)])
def test_corpus_payload_within_0_1_percent(name, order, description_bytes):
    """The issue's target: payload within 0.1% of n H(X | context) of the quantized model,
    plus its stated description size."""
    data = canterbury(name)
    m = ContextModel.fit(data, order=order)
    coded = float(m.coded_information(data).sum())
    assert len(m.description()) == description_bytes
    # the quantization of the rows costs little over the conditional entropy itself
    assert coded == pytest.approx(float(m.information_content(data).sum()), rel=1e-3)
    for coder, slack in (("arithmetic", 0), ("rans", 256)):
        enc = ec.encode(data, coder=coder, model=m)
        assert abs(enc.payload_bits - coded) <= 1e-3 * coded + slack
        assert enc.header_bits == 8 * description_bytes
        assert ec.decode(enc) == data


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("coder", CODERS)
def test_unfitted_model_fits_itself(order, coder):
    enc = ec.encode(MARKOV, coder=coder, model=ContextModel(order=order))
    assert enc.model.fitted and enc.model.order == order
    assert ec.decode(enc) == MARKOV
    fitted = ContextModel.fit(MARKOV, order=order)
    assert enc.payload == ec.encode(MARKOV, coder=coder, model=fitted).payload


@pytest.mark.parametrize("coder", CODERS)
def test_description_round_trip_decodes_the_same_payload(coder):
    for data, order in ((MARKOV, 1), (MARKOV, 2), (ABRA, 3)):
        m = ContextModel.fit(data, order=order)
        loaded = ContextModel.from_description(m.description())
        assert loaded.description() == m.description()
        np.testing.assert_array_equal(loaded.rows, m.rows)
        enc = ec.encode(data, coder=coder, model=m)
        assert bytes(ec.decode(enc.payload, len(data), model=loaded, coder=coder)
                     .astype(np.uint8)) == data
        assert ec.encode(data, coder=coder, model=loaded).payload == enc.payload
        # the loaded model's float model is its rows: what it codes with, exactly
        np.testing.assert_allclose(loaded.information_content(data), loaded.coded_information(data),
                                   rtol=0, atol=1e-9)


def test_integer_symbols_and_the_sparse_context_map():
    """300 symbols: order 1 uses the dense map, orders 2 and 3 (300**2 > 2**16) bisect."""
    rng = np.random.default_rng(2)
    x = (rng.zipf(1.5, 20_000) % 300).astype(np.int64)
    for order, contexts in ((1, 299), (2, 3225), (3, 8213)):
        m = ContextModel.fit(x, order=order)
        assert (m.alphabet_size, m.contexts) == (300, contexts)
        loaded = ContextModel.from_description(m.description())
        for coder in CODERS:
            enc = ec.encode(x, coder=coder, model=m)
            np.testing.assert_array_equal(ec.decode(enc), x)
            np.testing.assert_array_equal(ec.decode(enc.payload, x.size, model=loaded, coder=coder), x)


def test_edge_sizes():
    for data in (b"", b"a", b"aaaa", bytes(range(256))):
        for order in (1, 2):
            assert ec.decode(ec.encode(data, model=ContextModel(order=order))) == data
    assert ContextModel.fit(b"", 1).description().hex() == "0180021000"


def test_bad_arguments():
    for order in (0, 9, True, 1.0, "1"):
        with pytest.raises(InvalidInputError, match="order must be an int in 1..8"):
            ContextModel(order)
    with pytest.raises(InvalidInputError, match="not fitted"):
        ContextModel(1).information_content(b"abc")
    with pytest.raises(InvalidInputError, match="symbol -1 at position 1 is negative"):
        ContextModel.fit(np.array([0, -1, 2]), 1)
    with pytest.raises(InvalidInputError, match="symbol 5 at position 1 is outside 0..2"):
        ContextModel.fit(np.array([0, 5, 1]), 1, alphabet_size=3)
    with pytest.raises(InvalidInputError, match="1-d array of integer"):
        ContextModel.fit(np.array([[0, 1]]), 1)
    m = ContextModel.fit(ABRA, 1)
    with pytest.raises(InvalidInputError, match="symbol 300 at position 0"):
        ec.encode(np.array([300]), model=m)
    with pytest.raises(InvalidInputError, match="arithmetic or rans"):
        ec.encode(ABRA, coder="huffman", model=m)


# -- floor: a model of one text codes another -----------------------------------------------

@pytest.mark.parametrize("order", [1, 2])
def test_floor_codes_unseen_contexts_and_symbols(order):
    train, test = MARKOV, (OWN_CORPORA / "abcd_iid.txt").read_bytes() + bytes(range(256))
    plain = ContextModel.fit(train, order=order)
    with pytest.raises(ModelError, match="probability 0"):
        ec.encode(test, model=plain)
    m = ContextModel.fit(train, order=order, floor=True)
    assert (m.rows > 0).all() and (m.fallback > 0).all()
    coded = float(m.coded_information(test).sum())
    assert np.isfinite(coded)
    assert coded == pytest.approx(float(m.information_content(test).sum()), rel=1e-3)
    for coder in CODERS:
        enc = ec.encode(test, coder=coder, model=m)
        assert ec.decode(enc) == test
        assert abs(enc.payload_bits - coded) <= 1e-3 * coded + 256


def test_unseen_context_without_floor_is_the_uniform_row():
    m = ContextModel.fit(b"ab", 1)
    # 'b' was never a context: the coders use the uniform fallback row, and so does the
    # float model (the report's bound is finite)
    assert m.information_content(b"abb").tolist() == [0.0, 0.0, 8.0]
    assert m.coded_information(b"abb").tolist() == [0.0, 0.0, 8.0]
    report = ec.analyze(b"abb", model=m)
    assert report.model_bound_bits == 8.0
    assert ec.decode(ec.encode(b"abb", model=m)) == b"abb"


def test_floor_model_description_round_trip():
    """A floor=True model's description carries its row for unseen contexts (flag 0x80 on
    the order byte), so a loaded model decodes what the fitted one coded."""
    m = ContextModel.fit(MARKOV, order=1, floor=True)
    test = bytes(range(256))
    enc = ec.encode(test, coder="arithmetic", model=m)
    loaded = ContextModel.from_description(m.description())
    assert bytes(ec.decode(enc.payload, 256, model=loaded).astype(np.uint8)) == test


# -- the description: every damage is CorruptDataError --------------------------------------

def leb(v: int) -> bytes:
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def describe(order, k, scale, rows, contexts=None) -> bytes:
    """A description written by docs/format.md, without any check: rows are
    (context id, row scale, {symbol: frequency})."""
    out = bytes([order]) + leb(k) + bytes([scale]) + leb(len(rows) if contexts is None else contexts)
    prev = 0
    for cid, bits, freqs in rows:
        out += leb(cid - prev) + bytes([bits]) + leb(len(freqs))
        prev, last = cid, -1
        items = sorted(freqs.items())
        for t, (sym, f) in enumerate(items):
            out += leb(sym - last - 1) + (leb(f - 1) if t < len(items) - 1 else b"")
            last = sym
    return out


SMALL = np.array([0, 1, 2, 0, 1, 1, 2])
SMALL_ROWS = [(0, 2, {0: 2, 1: 2}), (1, 2, {1: 2, 2: 2}), (4, 1, {2: 2}), (5, 1, {0: 2}),
              (6, 1, {1: 2})]


def test_the_format_as_documented():
    m = ContextModel.fit(SMALL, order=2)
    assert m.description() == describe(2, 3, 16, SMALL_ROWS)
    assert m.description().hex() == "02031005000202000100010202010100030101020101010001010101"


def assert_corrupt(data):
    with pytest.raises(CorruptDataError):
        ContextModel.from_description(data)


def test_truncated_flipped_and_overwritten_descriptions():
    for desc in (ContextModel.fit(SMALL, order=2).description(),
                 ContextModel.fit(ABRA, order=2).description()):
        for cut in range(len(desc)):
            assert_corrupt(desc[:cut])
        assert_corrupt(desc + b"\x00")
        for i in range(len(desc)):
            for damaged in [desc[:i] + bytes([desc[i] ^ (1 << b)]) + desc[i + 1:] for b in range(8)] \
                    + [desc[:i] + bytes([v]) + desc[i + 1:] for v in (0x00, 0x7F, 0x80, 0xFF)]:
                try:
                    m = ContextModel.from_description(damaged)
                except CorruptDataError:
                    continue
                assert m.fitted and (m.rows.sum(axis=1) == 1 << m.scale_bits).all()


@pytest.mark.parametrize("desc, message", [
    (describe(0, 3, 16, SMALL_ROWS), "order 0"),
    (describe(9, 3, 16, SMALL_ROWS), "order 9"),
    (describe(2, 0, 16, []), "alphabet size"),
    (describe(2, 3, 2, SMALL_ROWS), "alphabet size or scale"),  # 2**2 < 2 * 3
    (describe(2, 3, 25, SMALL_ROWS), "alphabet size or scale"),
    (describe(2, 3, 16, SMALL_ROWS, contexts=10), "more contexts"),
    (describe(1, 3, 16, [(0, 1, {0: 2})] * 4), "more contexts"),  # 4 > 3**1
    (describe(2, 3, 16, [(1, 2, {0: 4}), (1, 2, {0: 4})]), "out of order"),
    (describe(2, 3, 16, [(9, 2, {0: 4})]), "out of order"),  # id 9 >= 3**2
    (describe(2, 3, 16, [(0, 2, {3: 4})]), "symbol outside the alphabet"),
    (describe(2, 3, 16, [(0, 2, {0: 5, 1: 1})]), "overflow"),
    (describe(2, 3, 16, [(0, 2, {0: 4, 1: 1})]), "overflow"),  # the last one gets 0
    (describe(2, 3, 16, [(0, 0, {0: 1})]), "row scale"),
    (describe(2, 3, 16, [(0, 17, {0: 1 << 17})]), "row scale"),
    (describe(2, 3, 16, [(0, 2, {})]) + b"\x00", "symbol count"),
    (b"\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "varint"),
])
def test_crafted_descriptions(desc, message):
    with pytest.raises(CorruptDataError, match=message):
        ContextModel.from_description(desc)


def test_description_that_would_need_a_huge_table():
    """A few KiB declaring 2**23 symbols in thousands of contexts: refused before any table
    is allocated (it was a MemoryError for 125 GiB)."""
    rows = [(c, 24, {0: 1 << 24}) for c in range(2000)]
    desc = describe(1, 1 << 23, 24, rows)
    assert len(desc) < 20_000
    with pytest.raises(LimitExceededError, match="table entries"):
        ContextModel.from_description(desc)
    assert 2000 << 23 > MAX_TABLE_ENTRIES
    # what a block expects (order, 256 symbols) is checked before that
    with pytest.raises(CorruptDataError, match="alphabet size"):
        ContextModel.from_description(desc, order=1, alphabet_size=256)
    with pytest.raises(CorruptDataError, match="order 1"):
        ContextModel.from_description(desc, order=2)
    # header claims contexts the bytes cannot hold (each row takes >= 4 bytes)
    with pytest.raises(CorruptDataError, match="more contexts"):
        ContextModel.from_description(describe(1, 1 << 23, 24, [], contexts=5000) + bytes(5000))


# -- context_tradeoff and the report --------------------------------------------------------

def test_context_tradeoff():
    rows = context_tradeoff(MARKOV, orders=range(0, 5))
    assert [r["order"] for r in rows] == [0, 1, 2, 3, 4]
    h = [r["conditional_entropy"] for r in rows]
    assert all(a >= b for a, b in zip(h, h[1:]))
    counts = np.bincount(np.frombuffer(MARKOV, np.uint8), minlength=256)
    assert h[0] == pytest.approx(ec.entropy(counts), abs=1e-12)
    assert rows[0]["description_bits"] == 8 * (3 + 2 * int((counts > 0).sum()))
    for r in rows:
        assert r["content_bits"] == pytest.approx(len(MARKOV) * r["conditional_entropy"], rel=1e-12)
        assert r["total_bits"] == pytest.approx(r["content_bits"] + r["description_bits"])
        if r["order"]:
            m = ContextModel.fit(MARKOV, r["order"])
            assert r["description_bits"] == 8 * len(m.description())
            assert r["conditional_entropy"] == pytest.approx(m.cross_entropy(MARKOV), abs=1e-12)
            # the plug-in H(X | k previous) of measures, up to the first k positions
            assert r["conditional_entropy"] == pytest.approx(
                ec.conditional_entropy(MARKOV, r["order"]), abs=1e-3)
    # markov.txt is order-1 Markov: a longer context stops paying
    assert min(rows, key=lambda r: r["total_bits"])["order"] == 1


def test_context_tradeoff_on_a_corpus_text():
    data = canterbury("alice29.txt")
    rows = context_tradeoff(data, orders=range(0, 4))
    h = [r["conditional_entropy"] for r in rows]
    assert all(a > b for a, b in zip(h, h[1:]))
    d = [r["description_bits"] for r in rows]
    assert all(a < b for a, b in zip(d, d[1:]))
    assert d[1:3] == [8 * 2979, 8 * 16328]


def test_report_of_a_context_model():
    m = ContextModel.fit(MARKOV, 2)
    report = ec.analyze(MARKOV, model=ContextModel(order=2))
    assert report.model_name == "ContextModel(order=2, 27 contexts)" == repr(m)
    assert report.model_bound_bits == pytest.approx(float(m.information_content(MARKOV).sum()))
    assert [r["order"] for r in report.context_tradeoff] == [0, 1, 2]
    for acc in report.coders.values():
        assert acc.header_bits == m.header_bits
        assert acc.overhead_bits["header"] == m.header_bits
        assert sum(acc.overhead_bits.values()) == pytest.approx(
            acc.total_bits - report.model_bound_bits, abs=1e-6)
    assert "context orders (n*H(X|k) + the model's description = total bits):" in report.to_text()
    assert len(ec.analyze(MARKOV, model=ContextModel(order=1), contexts=3).context_tradeoff) == 4


def test_cli_context_order(tmp_path):
    path = tmp_path / "small.txt"
    path.write_bytes(b"abracadabra " * 40)
    result = CliRunner().invoke(cli, ["analyze", str(path), "--context-order", "2"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    i = lines.index("context orders (n*H(X|k) + the model's description = total bits):")
    assert lines[i + 1:i + 4] == [
        "  k = 0: 1,096 + 120 = 1,216 (2.2842 bits/symbol + description)",
        "  k = 1: 384 + 312 = 696 (0.8008 bits/symbol + description)",
        "  k = 2: 80 + 464 = 544 (0.1667 bits/symbol + description)"]
    assert "model Q = ContextModel(order=2, 11 contexts)" in result.stdout
    result = CliRunner().invoke(cli, ["analyze", str(path), "--context-order", "1", "--json"])
    doc = json.loads(result.stdout)
    assert [r["order"] for r in doc["context_tradeoff"]] == [0, 1]
    assert doc["coders"]["arithmetic"]["header_bits"] == 312
    result = CliRunner().invoke(cli, ["analyze", str(path), "--context-order", "2",
                                      "--symbols", "words"])
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(cli, ["analyze", str(path), "--context-order", "2", "--coders", "huffman"])
    assert bad.exit_code == 2


# -- the "context" block coder (id 8) -------------------------------------------------------

def test_block_coder_docstring_payload():
    data = np.frombuffer(b"abracadabra abracadabra abracadabra", dtype=np.uint8)
    payload = context_encode(data, 1)
    assert len(payload) == 44
    assert bytes(context_decode(payload, data.size, 1)) == data.tobytes()
    with pytest.raises(CorruptDataError, match="order 1"):
        context_decode(payload, data.size, 2)
    for level in (0, 3, True, "1"):
        with pytest.raises(InvalidInputError, match="1 or 2"):
            context_encode(data, level)


@pytest.mark.parametrize("path", corpus_params(CANTERBURY_FILES))
def test_block_coder_round_trips_corpus(path: Path):
    data = path.read_bytes()
    for level in (1, 2):
        packed = ec.compress(data, coder="context", level=level)
        assert ec.decompress(packed) == data
        blocks = ec.read_header(packed).streams[0].blocks
        assert {(b.coder, b.coder_param) for b in blocks} <= {("context", level), ("raw", 0)}


def test_block_coder_sizes_on_the_texts():
    sizes = {}
    for name in TEXTS:
        data = canterbury(name)
        sizes[name] = [len(ec.compress(data, coder="context", level=lv)) for lv in (1, 2)]
        assert sizes[name][1] < sizes[name][0] < len(data)
    # the block holds the model's description and the range-coded payload
    data = canterbury("alice29.txt")
    m = ContextModel.fit(data, 2)
    payload = context_encode(np.frombuffer(data, np.uint8), 2)
    assert len(leb(16328)) + 16328 < len(payload) < len(leb(16328)) + 16328 + \
        m.coded_information(data).sum() / 8 + 8


def test_damaged_blocks_via_decompress():
    data = (OWN_CORPORA / "markov.txt").read_bytes()[:3000]
    for level in (1, 2):
        packed = ec.compress(data, coder="context", level=level)
        assert ec.read_header(packed).streams[0].blocks[0].coder == "context"
        for cut in range(len(packed)):
            with pytest.raises(CorruptDataError):
                ec.decompress(packed[:cut])
        for bit in range(0, 8 * len(packed), 3):
            damaged = bytearray(packed)
            damaged[bit // 8] ^= 1 << (bit % 8)
            with pytest.raises(CorruptDataError):  # ChecksumError, TruncatedDataError, ...
                ec.decompress(bytes(damaged))


def test_damaged_payloads_reach_the_decoder():
    """Bypassing the block CRC: the decoder itself turns every damage into CorruptDataError."""
    data = np.frombuffer(MARKOV[:600], np.uint8)
    for level in (1, 2):
        payload = context_encode(data, level)
        for cut in range(len(payload)):
            try:
                context_decode(payload[:cut], data.size, level)
            except CorruptDataError:
                pass
        for bit in range(0, 8 * len(payload), 3):
            damaged = bytearray(payload)
            damaged[bit // 8] ^= 1 << (bit % 8)
            try:
                out = context_decode(bytes(damaged), data.size, level)
            except CorruptDataError:
                continue
            assert out.size == data.size


def test_crafted_block_with_a_huge_description():
    """A context block whose description declares 2**23 symbols and 2000 contexts, with
    valid CRCs: decompress raises CorruptDataError (it was a MemoryError)."""
    import zlib

    from entropycodec.container.format import BLOCK_HEADER, BlockHeader

    data = np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    packed = ec.compress(data, coder="context", level=1)
    info = ec.read_header(packed).streams[0].blocks[0]
    end = packed[info.offset + BLOCK_HEADER.size + info.payload_size:]
    desc = describe(1, 1 << 23, 24, [], contexts=2000) + bytes(8000)
    stored = leb(len(desc)) + desc + bytes(10)
    head = BlockHeader(8, 1, 0, len(data), len(stored), info.data_crc, zlib.crc32(stored)).pack()
    with pytest.raises(CorruptDataError, match="context"):
        ec.decompress(packed[:info.offset] + head + stored + end)
    with pytest.raises(ChecksumError):
        ec.decompress(packed[:info.offset] + head + stored[:-1] + b"\x01" + end)


# -- the counting kernel ----------------------------------------------------------------------

def _sorted_counts(arr, order, k):
    from entropycodec.models.context import context_ids

    ids = context_ids(arr, order, k)
    joint, counts = np.unique(ids * k + arr.astype(np.int64), return_counts=True)
    ctx, sym = joint // k, joint % k
    contexts, starts = np.unique(ctx, return_index=True)
    return contexts, np.append(starts, ctx.size), sym, counts


@pytest.mark.parametrize(("k", "order", "n"), [(256, 1, 50_000), (256, 2, 50_000), (5, 3, 10_000),
                                               (3, 2, 7), (3, 1, 1), (7, 4, 300)])
def test_joint_counts_equal_the_sorted_counts(k, order, n):
    from entropycodec.models.context_counts import joint_counts

    rng = np.random.default_rng(k * 10 + order)
    arr = rng.zipf(1.5, n) % k if k == 256 else rng.integers(0, k, n)
    got = joint_counts(arr.astype(np.uint8 if k == 256 else np.int64), order, k)
    assert got is not None
    for a, b in zip(got, _sorted_counts(arr, order, k), strict=True):
        assert np.array_equal(a, b)


def test_joint_counts_leave_large_context_sets_to_the_sort():
    from entropycodec.models.context_counts import joint_counts

    assert joint_counts(np.zeros(10, np.uint8), 3, 256) is None  # 2**24 possible contexts
    noise = np.random.default_rng(0).integers(0, 256, 1 << 18).astype(np.uint8)
    assert joint_counts(noise, 2, 256) is None  # ~65536 seen contexts x 256 > MAX_TABLE
    from entropycodec.models.context import ContextModel, context_ids

    m = ContextModel.fit(noise, 2)  # the sorted path
    assert m.contexts == np.unique(context_ids(noise, 2, 256)).size > 60_000
    payload = context_encode(noise[:5000], 2)
    assert bytes(context_decode(payload, 5000, 2)) == noise[:5000].tobytes()


def test_quantize_rows_is_quantize_counts_row_by_row():
    from entropycodec.models.counts import quantize_counts
    from entropycodec.models.quantize_kernels import quantize_rows

    rng = np.random.default_rng(9)
    rows = [np.minimum(rng.zipf(1.3, int(rng.integers(1, 60))), 10**6) for _ in range(300)]
    rows += [np.array([1]), np.array([10**9, 1, 1]), np.array([3, 3, 3]), np.ones(256, np.int64)]
    bits = [max(int(r.sum()).bit_length(), (r.size - 1).bit_length(), 1) for r in rows]
    bits = [max(b, int(rng.integers(1, 21))) if i % 3 else b for i, b in enumerate(bits)]
    bounds = np.cumsum([0] + [r.size for r in rows])
    got = quantize_rows(np.concatenate(rows), bounds, np.array(bits))
    for r, b, a, z in zip(rows, bits, bounds[:-1], bounds[1:]):
        assert got[a:z].tolist() == quantize_counts(r, b).tolist()


def test_zero_probability_position_across_encode_blocks():
    """The rANS encoder asks the model for ENCODE_BLOCK positions at a time in memory order
    but codes last to first: the position it names is still the last uncodable one (the
    first it meets), as the range coder names the first; both with the symbol there."""
    from entropycodec.coders.arithmetic import arithmetic_encode
    from entropycodec.coders.positional_kernels import ENCODE_BLOCK
    from entropycodec.coders.rans import rans_encode

    m = ContextModel.fit(MARKOV, order=1)
    rng = np.random.default_rng(3)
    test = bytearray(MARKOV * (3 * ENCODE_BLOCK // len(MARKOV) + 2))[:3 * ENCODE_BLOCK + 17]
    for pos in (5, ENCODE_BLOCK - 1, ENCODE_BLOCK, 2 * ENCODE_BLOCK + int(rng.integers(1, 99))):
        test[pos] = 0xFF  # never seen in markov.txt: probability 0 after any context
    bad = np.flatnonzero(~np.isfinite(m.coded_information(bytes(test))))
    assert bad.max() >= 2 * ENCODE_BLOCK and bad.min() == 5
    idx = m.to_indices(bytes(test))
    with pytest.raises(ModelError, match=f"symbol index {idx[bad.max()]} at position {bad.max()} "):
        rans_encode(idx, m)
    with pytest.raises(ModelError, match=f"at position {bad.min()} "):
        arithmetic_encode(idx, m)
