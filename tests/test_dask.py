"""entropycodec.dask on a real two-worker cluster: every result is the one-process result.

One ``distributed.LocalCluster`` (two single-threaded worker processes) serves the module.
Counts, entropies and static coders' sizes are compared with ``np.bincount``,
:func:`entropycodec.conditional_entropy` and ``experiment corpus``; compressed bytes
with :func:`entropycodec.compress`; decompressed bytes with the original. A worker is
killed while files are being compressed, and no output may be lost or half-written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed", reason="the dask extra is not installed: pip install 'entropycodec[dask]'")

import distributed  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import entropycodec  # noqa: E402
import entropycodec.dask as ed  # noqa: E402
from entropycodec.cli.main import cli  # noqa: E402
from entropycodec.coders import MODEL_CODERS  # noqa: E402
from entropycodec.errors import ChecksumError, CorruptDataError, InvalidInputError  # noqa: E402
from entropycodec.experiments import corpus as corpus_experiment  # noqa: E402
from entropycodec.experiments.output import to_json  # noqa: E402
from entropycodec.measures import conditional_entropy  # noqa: E402
from entropycodec.sequence import encode  # noqa: E402

OWN = Path(__file__).resolve().parent.parent / "corpora"
OWN_FILES = sorted(p for p in OWN.iterdir() if p.is_file() and p.suffix in (".txt", ".bin"))


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as c:
        yield c  # Dask's own defaults: results must not depend on the tuning


def test_local_clusters_keep_glibc_memory_defaults():
    """Dask's MALLOC_TRIM_THRESHOLD_ made coding 1.5x slower in a worker: the clusters this
    package starts unset it, and keep the rest of Dask's worker environment."""
    import dask

    with ed.local_cluster(n_workers=1) as cluster, distributed.Client(cluster, set_as_default=False) as c:
        env = c.run(lambda: {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")})
    assert list(env.values()) == [{"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"}]
    assert dask.config.get("distributed.nanny.pre-spawn-environ")["MALLOC_TRIM_THRESHOLD_"] == 65536


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as c:
        c.wait_for_workers(2)
        yield c


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    """The project's corpora, plus files that cross block and range boundaries in every
    way: empty, one byte, two bytes, and a generated text of ~300 kB."""
    folder = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(13)
    words = [b"entropy", b"coder", b"block", b"range", b"the", b"a", b"of", b"\n", b"\xff\x00"]
    text = b" ".join(words[i] for i in rng.integers(0, len(words), 50_000))
    made = {"empty.bin": b"", "one.bin": b"x", "two.bin": b"xy", "words.txt": text}
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return OWN_FILES + [folder / name for name in made]


def _data(paths) -> list[bytes]:
    return [Path(p).read_bytes() for p in paths]


# -- no dask unless asked -----------------------------------------------------------------

def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120)
    return set(out.stdout.split())


def test_the_package_and_the_cli_import_no_dask():
    loaded = _loaded_after("import entropycodec, entropycodec.api, entropycodec.cli.compress_cmd, "
                           "entropycodec.cli.experiment_cmd, entropycodec.cli.analyze_cmd")
    assert "entropycodec" in loaded
    assert not {"dask", "distributed"} & loaded


def test_without_dask_the_module_names_the_extra():
    code = ("import sys\nsys.modules['distributed'] = None\nsys.modules['dask'] = None\n"
            "from entropycodec.experiments.output import MissingExtraError\n"
            "try:\n    import entropycodec.dask\nexcept MissingExtraError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.strip() == ("entropycodec.dask needs dask[distributed], which is not "
                                  "installed: pip install 'entropycodec[dask]'")


# -- counts --------------------------------------------------------------------------------

@pytest.mark.parametrize("blocksize", [1, 4099, "64 MiB"], ids=["1B", "4099B", "64MiB"])
def test_symbol_counts_equal_bincount(client, files, tmp_path, blocksize):
    paths = files
    if blocksize == 1:  # a task per byte: small files only
        (tmp_path / "short.txt").write_bytes(b"abracadabra, abracadabra")
        paths = files[-4:-1] + [tmp_path / "short.txt"]
    got = ed.symbol_counts(paths, order=1, blocksize=blocksize, client=client)
    want0 = np.zeros(256, np.int64)
    want1 = np.zeros((256, 256), np.int64)
    for data in _data(paths):
        a = np.frombuffer(data, np.uint8)
        want0 += np.bincount(a, minlength=256)
        np.add.at(want1, (a[:-1], a[1:]), 1)
    assert got.order0.tolist() == want0.tolist()
    assert got.order1.tolist() == want1.tolist()
    assert (got.n_bytes, got.n_files) == (sum(map(len, _data(paths))), len(paths))
    only0 = ed.symbol_counts(paths, blocksize=blocksize, client=client)
    assert only0.order1 is None and only0.order0.tolist() == want0.tolist()


def test_symbol_counts_of_nothing_and_bad_options(client, tmp_path):
    empty = ed.symbol_counts([tmp_path], order=1, client=client)  # a folder without files
    assert (empty.n_bytes, empty.n_files, int(empty.order1.sum())) == (0, 0, 0)
    with pytest.raises(InvalidInputError, match=r"order must be an int in 0\.\.1, got 2"):
        ed.symbol_counts([tmp_path], order=2, client=client)
    with pytest.raises(InvalidInputError, match="blocksize must be a positive number of bytes"):
        ed.symbol_counts([tmp_path], blocksize=0, client=client)
    with pytest.raises(InvalidInputError, match="no such file or directory"):
        ed.symbol_counts([tmp_path / "missing"], client=client)


# -- corpus_report: the numbers of experiment corpus -----------------------------------------

def _oracle_entropy(datas, k: int) -> float:
    """H(X | k previous bytes) of several files together, contexts inside each file, by the
    formula of conditional_entropy over np.unique of the packed keys of all files."""
    keys = []
    for data in datas:
        x = np.frombuffer(data, np.uint8).astype(np.uint64)
        n = x.size - k
        if n <= 0:
            continue
        ctx = np.zeros(n, np.uint64)
        for j in range(k):
            ctx = (ctx << np.uint64(8)) | x[j:j + n]
        keys.append((ctx << np.uint64(8)) | x[k:])
    if not keys:
        return 0.0
    keys = np.concatenate(keys)
    _, joint = np.unique(keys, return_counts=True)
    _, marg = np.unique(keys >> np.uint64(8), return_counts=True)
    h = ((marg * np.log2(marg)).sum() - (joint * np.log2(joint)).sum()) / keys.size
    return max(float(h), 0.0)


@pytest.mark.parametrize("blocksize", [5000, "64 MiB"], ids=["split", "whole"])
def test_corpus_report_equals_experiment_corpus(client, files, blocksize):
    report = ed.corpus_report(files, contexts=2, blocksize=blocksize, client=client)
    one = corpus_experiment.run_corpus(files, methods=MODEL_CODERS)
    assert report["methods"] == list(MODEL_CODERS)
    assert len(report["files"]) == len(one["files"]) == len(files)
    for row, want in zip(report["files"], one["files"]):
        for key in ("file", "path", "bytes", "H0", "H1", "H2"):
            assert row[key] == want[key], (row["file"], key)
        assert row["bound_bits"] == row["bytes"] * row["H0"]
        for m in MODEL_CODERS:
            assert row["methods"][m]["bits"] == want["methods"][m]["bits"], (row["file"], m)
            assert row["methods"][m]["bits_per_byte"] == want["methods"][m]["bits_per_byte"]
            assert row["methods"][m]["predicted"] is False
    datas = _data(files)
    total = report["total"]
    assert (total["files"], total["bytes"]) == (len(files), sum(map(len, datas)))
    assert total["H0"] == conditional_entropy(b"".join(datas), 0)
    assert total["H1"] == _oracle_entropy(datas, 1)
    assert total["H2"] == _oracle_entropy(datas, 2)
    assert total["bound_bits"] == total["bytes"] * total["H0"]
    # one model for the whole set: Huffman's size is predicted exactly, the others from above
    whole = b"".join(datas)
    assert total["methods"]["huffman"]["bits"] == encode(whole, coder="huffman").total_bits
    for m in ("arithmetic", "rans"):
        assert 0 <= total["methods"][m]["bits"] - encode(whole, coder=m).total_bits <= 8 * 16
    sums = total["sum_of_files"]
    assert sums["bound_bits"] == sum(r["bound_bits"] for r in report["files"])
    for m in MODEL_CODERS:
        assert sums["methods"][m]["bits"] == sum(r["methods"][m]["bits"] for r in one["files"])


def test_corpus_report_order_3_and_predicted_sizes(client, files, monkeypatch):
    # a file above the experiment's size limit is not coded whole: sizes from its counts
    monkeypatch.setattr(corpus_experiment, "MAX_FILE_BYTES", 150_000)
    big = files[-1]  # words.txt, ~300 kB
    report = ed.corpus_report([big], contexts=3, blocksize=40_000, client=client)
    row = report["files"][0]
    data = big.read_bytes()
    assert [row[f"H{k}"] for k in range(4)] == [conditional_entropy(data, k) for k in range(4)]
    assert all(row["methods"][m]["predicted"] for m in MODEL_CODERS)
    assert row["methods"]["huffman"]["bits"] == encode(data, coder="huffman").total_bits
    with pytest.raises(InvalidInputError, match="static coders only"):
        ed.corpus_report([big], coders=("cm",), client=client)
    with pytest.raises(InvalidInputError, match=r"contexts must be an int in 0\.\.3"):
        ed.corpus_report([big], contexts=4, client=client)


def test_run_corpus_equals_the_experiment_but_for_timings(client, files):
    methods = ("huffman", "adaptive", "zlib-9")
    got = ed.run_corpus(files[:3], methods=methods, client=client)
    want = corpus_experiment.run_corpus(files[:3], methods=methods)

    def untimed(result):
        for row in result["files"]:
            for m in row["methods"].values():
                m.pop("timing")
        return result

    assert untimed(got) == untimed(want)


# -- compress_files / decompress_files ---------------------------------------------------------

def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("options", [{}, {"coder": "huffman", "block_size": 1000},
                                     {"coder": "cm", "level": 1}], ids=["auto", "huffman", "cm1"])
def test_compress_files_writes_what_compress_writes(client, files, tmp_path, options):
    inputs = [p for p in files if p.stat().st_size <= 120_000] + [tmp_path / "missing.txt"]
    rows = ed.compress_files(inputs, tmp_path / "out", client=client, **options)
    assert [r["file"] for r in rows] == list(map(str, inputs))
    for path, row in zip(inputs[:-1], rows):
        data = path.read_bytes()
        packed = (tmp_path / "out" / (path.name + ".ec")).read_bytes()
        assert packed == entropycodec.compress(data, **options), path.name
        assert row["error"] is None
        assert (row["input_size"], row["output_size"]) == (len(data), len(packed))
        assert row["ratio"] == (len(packed) / len(data) if data else 0.0)
        assert row["output"] == os.path.join(tmp_path / "out", path.name + ".ec")
    assert rows[-1]["error"] == f"{inputs[-1]}: No such file or directory"
    assert rows[-1]["output_size"] is None
    assert not (tmp_path / "out" / "missing.txt.ec").exists()
    assert _leftovers(tmp_path / "out") == []


def test_compress_files_rows_for_misuse(client, files, tmp_path):
    (tmp_path / "a").mkdir()
    twin = tmp_path / "a" / files[0].name
    twin.write_bytes(b"another file with the same name")
    rows = ed.compress_files([files[0], twin], tmp_path / "out", client=client)
    assert rows[0]["error"] is None
    assert rows[1]["error"] == f"{tmp_path / 'out' / (files[0].name + '.ec')}: also the output of {files[0]}"
    with pytest.raises(InvalidInputError, match="level applies only to coder 'cm'"):
        ed.compress_files([files[0]], tmp_path / "out", coder="huffman", level=3, client=client)


def test_decompress_files_round_trip_and_bad_data(client, files, tmp_path):
    packed = tmp_path / "packed"
    packed.mkdir()
    names = []
    for path in files[:4]:
        (packed / (path.name + ".ec")).write_bytes(entropycodec.compress(path.read_bytes()))
        names.append(packed / (path.name + ".ec"))
    (packed / "bad.ec").write_bytes(entropycodec.compress(b"hello world" * 100)[:-5])
    (packed / "junk.ec").write_bytes(entropycodec.compress(b"payload") + b"junk")
    (packed / "nosuffix").write_bytes(b"")
    inputs = names + [packed / "bad.ec", packed / "junk.ec", packed / "nosuffix"]
    rows = ed.decompress_files(inputs, tmp_path / "out", client=client)
    for path, row in zip(files[:4], rows):
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes()
        assert row["error"] is None and row["ignored_trailing_offset"] is None
    assert rows[4]["error"] == (f"{packed / 'bad.ec'}: compressed data ends before the "
                                "end-of-stream marker")
    assert not (tmp_path / "out" / "bad").exists()
    end = len(entropycodec.compress(b"payload"))
    assert rows[5]["error"] is None and rows[5]["ignored_trailing_offset"] == end
    assert (tmp_path / "out" / "junk").read_bytes() == b"payload"
    assert rows[6]["error"] == f"{packed / 'nosuffix'}: unknown suffix (expected .ec)"
    strict = ed.decompress_files([packed / "junk.ec"], tmp_path / "strict", strict=True,
                                 client=client)
    assert strict[0]["error"] == f"{packed / 'junk.ec'}: trailing data after the last stream at offset {end}"
    assert _leftovers(tmp_path / "out") == _leftovers(tmp_path / "strict") == []


# -- one large file, block by block --------------------------------------------------------

@pytest.mark.parametrize("options", [{"block_size": 1 << 16}, {"block_size": 100_003, "coder": "rans"},
                                     {"block_size": 1 << 22}], ids=["64K", "rans-odd", "default"])
def test_compress_large_is_byte_identical_and_round_trips(client, files, tmp_path, options):
    big = files[-1]
    data = big.read_bytes()
    row = ed.compress_large(big, tmp_path / "big.ec", client=client, **options)
    packed = (tmp_path / "big.ec").read_bytes()
    assert packed == entropycodec.compress(data, **options)
    assert (row["input_size"], row["output_size"], row["error"]) == (len(data), len(packed), None)
    back = ed.decompress_large(tmp_path / "big.ec", tmp_path / "big", client=client)
    assert (tmp_path / "big").read_bytes() == data
    assert (back["input_size"], back["output_size"]) == (len(packed), len(data))
    assert _leftovers(tmp_path) == []


def test_compress_large_of_an_empty_file(client, files, tmp_path):
    empty = next(p for p in files if p.name == "empty.bin")
    ed.compress_large(empty, tmp_path / "e.ec", client=client)
    assert (tmp_path / "e.ec").read_bytes() == entropycodec.compress(b"")
    ed.decompress_large(tmp_path / "e.ec", tmp_path / "e", client=client)
    assert (tmp_path / "e").read_bytes() == b""


def test_decompress_large_streams_trailing_data_and_damage(client, tmp_path):
    a, b = b"first stream " * 5000, b"second stream " * 7000
    two = entropycodec.compress(a, block_size=4096) + entropycodec.compress(b, block_size=5000)
    (tmp_path / "two.ec").write_bytes(two + b"junk")
    row = ed.decompress_large(tmp_path / "two.ec", tmp_path / "two", client=client)
    assert (tmp_path / "two").read_bytes() == a + b
    assert row["ignored_trailing_offset"] == len(two)
    with pytest.raises(CorruptDataError, match=f"trailing data after the last stream at offset {len(two)}"):
        ed.decompress_large(tmp_path / "two.ec", tmp_path / "strict", strict=True, client=client)
    damaged = bytearray(two)
    damaged[len(two) // 2] ^= 0x40  # inside a payload: its block's stored CRC fails on a worker
    (tmp_path / "bad.ec").write_bytes(bytes(damaged))
    with pytest.raises(ChecksumError):
        ed.decompress_large(tmp_path / "bad.ec", tmp_path / "bad", client=client)
    assert not (tmp_path / "bad").exists() and not (tmp_path / "strict").exists()
    assert _leftovers(tmp_path) == []


def test_compress_large_refuses_bad_options_before_any_work(client, files, tmp_path):
    with pytest.raises(InvalidInputError, match="unknown coder 'zip'"):
        ed.compress_large(files[0], tmp_path / "x.ec", coder="zip", client=client)
    with pytest.raises(InvalidInputError, match="block_size must be in 1"):
        ed.compress_large(files[0], tmp_path / "x.ec", block_size=0, client=client)
    assert list(tmp_path.iterdir()) == []


def test_stream_writer_takes_blocks_coded_elsewhere():
    from entropycodec.container.blocks import encode_block
    from entropycodec.container.streams import StreamWriter

    data = b"blocks coded on other machines " * 300
    w = StreamWriter(coder="huffman", block_size=1000)
    out = b"".join(w.write_coded(encode_block(data[i:i + 1000], w.coder, w.param),
                                 len(data[i:i + 1000])) for i in range(0, len(data), 1000))
    assert out + w.finish() == entropycodec.compress(data, coder="huffman", block_size=1000)
    mixed = StreamWriter(block_size=1000)
    mixed.write(b"x")
    with pytest.raises(ValueError, match=r"write_coded\(\) after write\(\)"):
        mixed.write_coded(encode_block(b"y"), 1)
    with pytest.raises(InvalidInputError, match="a block holds 1..1000 bytes, got 1001"):
        StreamWriter(block_size=1000).write_coded(b"", 1001)


def test_without_a_client_a_local_cluster_serves_the_call(files):
    with pytest.raises(ValueError):  # no current client: the module's is not the default
        distributed.get_client()
    got = ed.symbol_counts(files[:3])
    want = sum(np.bincount(np.frombuffer(d, np.uint8), minlength=256) for d in _data(files[:3]))
    assert got.order0.tolist() == want.tolist()
    with pytest.raises(ValueError):  # and the call's own client is gone
        distributed.get_client()


# -- the command line ----------------------------------------------------------------------

def _copy(files, folder: Path) -> list[Path]:
    folder.mkdir()
    out = []
    for p in files:
        (folder / p.name).write_bytes(p.read_bytes())
        out.append(folder / p.name)
    return out


def test_cli_compress_and_decompress_with_a_scheduler(cluster, files, tmp_path):
    inputs = _copy([p for p in files if p.name != "empty.bin"], tmp_path / "in")
    runner = CliRunner()
    address = cluster.scheduler_address
    res = runner.invoke(cli, ["compress", "--scheduler", address, "-B", "64K", "-v",
                              *map(str, inputs)])
    assert res.exit_code == 0, res.output
    for p in inputs:
        packed = Path(str(p) + ".ec").read_bytes()
        assert packed == entropycodec.compress(p.read_bytes(), block_size=1 << 16), p.name
        assert f"{p}: " in res.stderr and f"-> {p}.ec" in res.stderr
    again = runner.invoke(cli, ["compress", "--scheduler", address, str(inputs[0])])
    assert again.exit_code == 1
    assert again.stderr == f"entropycodec: {inputs[0]}.ec: already exists; not overwritten (use -f)\n"
    originals = {p: p.read_bytes() for p in inputs}
    for p in inputs:
        p.unlink()
    res = runner.invoke(cli, ["decompress", "--scheduler", address, "--rm",
                              *(f"{p}.ec" for p in inputs)])
    assert res.exit_code == 0, res.output
    for p in inputs:
        assert p.read_bytes() == originals[p] and not Path(f"{p}.ec").exists()


def test_cli_scheduler_misuse_and_unreachable(cluster, files, tmp_path):
    import dask

    runner = CliRunner()
    res = runner.invoke(cli, ["compress", "--scheduler", "local", "-c", str(files[0])])
    assert res.exit_code == 2 and "--scheduler works on named files" in res.stderr
    res = runner.invoke(cli, ["compress", "-t", "--scheduler", "local", str(files[0])])
    assert res.exit_code == 2 and "test without it" in res.stderr
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        res = runner.invoke(cli, ["compress", "--scheduler", "tcp://127.0.0.1:9", str(files[0])])
    assert res.exit_code == 1
    assert res.stderr.startswith("entropycodec: ") and "cannot reach the Dask scheduler at " \
        "tcp://127.0.0.1:9" in res.stderr and len(res.stderr.splitlines()) == 1


def test_cli_experiment_corpus_with_a_scheduler(cluster, files):
    import json

    paths = [str(p) for p in files[:3]]
    runner = CliRunner()
    res = runner.invoke(cli, ["experiment", "corpus", "--scheduler", cluster.scheduler_address,
                              "--methods", "huffman,rans", "--json", *paths])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    want = json.loads(to_json(corpus_experiment.run_corpus(paths, methods=("huffman", "rans"))))
    for result in (got, want):
        for row in result["files"]:
            for m in row["methods"].values():
                m.pop("timing")
    assert got == want


# -- a worker that dies mid-run (last: the cluster restarts the worker) -------------------------

def test_a_killed_worker_loses_no_file_and_leaves_no_partial_output(client, tmp_path):
    rng = np.random.default_rng(7)
    inputs = []
    (tmp_path / "in").mkdir()
    for i in range(8):  # each takes the cm coder a few tenths of a second
        data = bytes(rng.integers(97, 123, 250_000, dtype=np.uint8))
        (tmp_path / "in" / f"f{i}.txt").write_bytes(data)
        inputs.append(tmp_path / "in" / f"f{i}.txt")
    out = tmp_path / "out"
    result = {}
    run = threading.Thread(target=lambda: result.setdefault("rows", ed.compress_files(
        inputs, out, coder="cm", level=1, client=client)))
    run.start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:  # a worker busy with a file
        busy = {w: keys for w, keys in client.processing().items()
                if any("_code_batch" in str(k) for k in keys)}
        victim = next(iter(busy), None)
        time.sleep(0.02)
    assert victim is not None, "no compression task was seen running"
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    run.join(120)
    assert not run.is_alive()
    rows = result["rows"]
    assert len(rows) == len(inputs)
    for path, row in zip(inputs, rows):
        target = out / (path.name + ".ec")
        if row["error"] is None:
            assert target.read_bytes() == entropycodec.compress(path.read_bytes(), coder="cm",
                                                                level=1)
        else:  # reported as failed: nothing written
            assert not target.exists()
    assert _leftovers(out) == []
    client.wait_for_workers(2, timeout=60)
