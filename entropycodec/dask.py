"""Counting, measuring and compressing on a Dask cluster (the optional ``dask`` extra).

Every result is the one-process result, exactly; only where the work runs changes:

* **counts add.** The byte counts of a file are the sums of the counts of its byte
  ranges, and a corpus's the sums of its files'. Each task counts one range; for
  order-k contexts it also reads the k bytes before its range, so that no
  (context, byte) pair across a range boundary is lost or counted twice. A tree of
  additions on the workers merges the parts (:func:`symbol_counts`,
  :func:`corpus_report`).
* **blocks code independently.** An ``.ec`` block is coded from its own bytes alone
  (docs/format.md), so the workers code the blocks of one big file wherever they
  are, and the driver writes them in input order between the stream header and the
  end record, whose content CRC it combines from the blocks' own CRCs: the bytes of
  ``entropycodec compress`` with the same options (:func:`compress_large`,
  :func:`decompress_large`).
* **files are independent.** One task per file, written to a temporary file beside
  its target and renamed over it only when complete (:func:`compress_files`,
  :func:`decompress_files`, :func:`code_files`): a worker that dies mid-file leaves
  no partial output. Dask runs the task again on another worker; a file that still
  fails is a row of the result table with its ``error``, never an exception that
  stops the run.

The driver holds at most ``2 x (worker threads)`` results in flight and writes them
in order as they come, so its memory does not grow with the data.

Every function takes ``client``: a ``distributed.Client``. By default it is the
current client (``distributed.get_client()``) or, when there is none, a local
cluster (one single-threaded worker process per core) started for the call and
closed after it. Workers read the paths they are given, so on a cluster the files
must be where every worker sees them (a shared file system).

>>> import tempfile, os
>>> from distributed import Client
>>> folder = tempfile.mkdtemp()
>>> sample = os.path.join(folder, "sample.txt")
>>> with open(sample, "wb") as f:
...     _ = f.write(b"abracadabra" * 100)
>>> with Client(processes=False, n_workers=1, dashboard_address=":0") as client:
...     counts = symbol_counts([sample], order=1, blocksize=64, client=client)
...     table = compress_files([sample], os.path.join(folder, "out"), client=client)
>>> int(counts.order0[ord("a")]), int(counts.order1[ord("b"), ord("r")]), counts.n_bytes
(500, 200, 1100)
>>> [(os.path.basename(r["output"]), r["input_size"], r["error"]) for r in table]
[('sample.txt.ec', 1100, None)]
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections import deque
from contextlib import closing, contextmanager
from dataclasses import dataclass

import numpy as np

from entropycodec.coders import MODEL_CODERS
from entropycodec.container.format import BLOCK_HEADER, DEFAULT_BLOCK_SIZE, unpack_block_header
from entropycodec.errors import ChecksumError, EntropyCodecError, InvalidInputError
from entropycodec.experiments.output import MissingExtraError

DASK_EXTRA_HINT = "pip install 'entropycodec[dask]'"

try:
    import distributed
    from dask.utils import parse_bytes
except ImportError:
    raise MissingExtraError(
        f"entropycodec.dask needs dask[distributed], which is not installed: {DASK_EXTRA_HINT}"
    ) from None

__all__ = [
    "DASK_EXTRA_HINT",
    "SymbolCounts",
    "code_files",
    "compress_files",
    "compress_large",
    "connect",
    "corpus_report",
    "decompress_files",
    "decompress_large",
    "run_corpus",
    "symbol_counts",
]

SUFFIX = ".ec"  # what compress_files appends, as the command line does
MAX_CONTEXTS = 3  # order-k counts up to k = 3 (4-byte keys); as ``analyze --contexts``
_PIECE = 4 << 20  # bytes turned into context keys at once inside a task (bounds its memory)
_CHUNK = 1 << 20  # bytes read from a file at a time by the per-file tasks
_FAN_IN = 8  # parts merged by one task of the reduction tree


# -- clients ------------------------------------------------------------------------------

# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (config
# distributed.nanny.pre-spawn-environ) to hand freed memory back to the OS early. Setting it
# turns off glibc's adaptive mmap threshold, so every MB-sized buffer a coder allocates is
# mapped and page-faulted afresh: coding ran 1.5x slower in a worker than in one process
# (bench_dask, 98 MB: 1.47 s against 0.99 s with the variable unset). The local clusters made
# here leave glibc's defaults; docs/scale.md says how to do the same on a cluster of yours.
# They also turn off the workers' statistical profiler (a thread that takes the GIL every
# 10 ms to sample stacks; about 10% of a coding task, measured the same way).
_SLOW_WORKER_ENV = "MALLOC_TRIM_THRESHOLD_"


def local_cluster(**kwargs):
    """A ``distributed.LocalCluster`` of single-threaded worker processes (one per core
    unless ``n_workers`` says otherwise; its dashboard on a free port) whose workers keep
    glibc's default memory trimming (see :data:`_SLOW_WORKER_ENV`) and run no profiler;
    ``kwargs`` go to LocalCluster."""
    import dask

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop(_SLOW_WORKER_ENV, None)
    options = {"processes": True, "threads_per_worker": 1, "dashboard_address": ":0", **kwargs}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ,
                          "distributed.worker.profile.enabled": False}):
        return distributed.LocalCluster(**options)

@contextmanager
def connect(address: str = "local"):
    """A ``distributed.Client`` for ``address``, closed on exit: ``"local"`` starts a
    local cluster (one single-threaded worker process per core; its dashboard on a free port) and
    stops it after; anything else is a scheduler address (``tcp://host:8786``).

    An address that cannot be reached raises OSError naming it.
    """
    if address == "local":
        cluster = local_cluster()
        try:
            with distributed.Client(cluster, set_as_default=False) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(address, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise OSError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client


@contextmanager
def _session(client):
    """``client``, else the current client, else a local cluster for this call."""
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:  # no client in this process
            client = None
    if client is not None:
        yield client
        return
    with connect("local") as local:
        yield local


# file tasks return rows (the worker writes the outputs itself): keep enough queued per
# thread that a worker never waits for the driver between tasks
FILE_TASKS_PER_THREAD = 4
# batches of files per worker thread: more, smaller ones shorten the tail where one worker
# finishes its last batch while the other idles; each costs the scheduler a few ms
_FILE_BATCHES_PER_THREAD = 16


def _window(client, per_thread: int = 2) -> int:
    """Tasks in flight: two per worker thread for tasks whose results are blocks (as the
    thread pools of StreamWriter); more for tasks that return a small row, so that a
    worker never waits on a round trip to the driver for its next file."""
    return max(2, per_thread * sum(client.nthreads().values()))


@dataclass(frozen=True)
class _Raised:
    """A package exception of a task, carried back as a value. Dask ships a task's
    exception through tblib, which cannot rebuild a class with two built-in bases
    (CorruptDataError is a ValueError and an OSError): it would arrive as a bare
    Exception. The driver raises the same class with the same message."""

    kind: type
    args: tuple


def _guarded(fn, *args):
    try:
        return fn(*args)
    except EntropyCodecError as exc:
        return _Raised(type(exc), exc.args)


def _in_order(client, fn, arg_tuples, window: int):
    """``fn(*args)`` for each of ``arg_tuples`` on the workers, yielded in input order,
    with at most ``window`` tasks submitted and not yet consumed (bounded memory)."""
    pending: deque = deque()
    todo = iter(arg_tuples)
    try:
        for args in todo:
            pending.append(client.submit(_guarded, fn, *args, pure=False))
            if len(pending) >= window:
                break
        while pending:
            future = pending.popleft()
            result = future.result()
            future.release()
            if isinstance(result, _Raised):
                raise result.kind(*result.args)
            for args in todo:
                pending.append(client.submit(_guarded, fn, *args, pure=False))
                break
            yield result
    finally:
        if pending:
            client.cancel(list(pending))


def _tree_sum(client, futures):
    """One future of the sum of ``futures`` (:class:`_Counts`), added up by a tree of
    tasks on the workers, ``_FAN_IN`` parts per task."""
    futures = list(futures)
    while len(futures) > 1:
        futures = [client.submit(_add_counts, *futures[i:i + _FAN_IN], pure=False)
                   for i in range(0, len(futures), _FAN_IN)]
    return futures[0]


# -- counts -------------------------------------------------------------------------------

@dataclass
class _Counts:
    """Counts of some bytes: ``order0`` the 256 byte counts; ``joint[k]`` the sparse
    counts of the (k context bytes, byte) keys packed as conditional_entropy packs
    them (oldest byte highest), as (sorted uint64 keys, int64 counts)."""

    n_bytes: int
    n_files: int
    order0: np.ndarray
    joint: dict


def _merge_sparse(parts):
    """Sum of sparse counts [(keys, counts), ...] as one (sorted unique keys, counts)."""
    parts = [p for p in parts if p[0].size]
    if not parts:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.add.reduceat(counts, starts)


def _add_counts(*parts: _Counts) -> _Counts:
    orders = parts[0].joint.keys()
    return _Counts(sum(p.n_bytes for p in parts), sum(p.n_files for p in parts),
                   np.sum([p.order0 for p in parts], axis=0, dtype=np.int64),
                   {k: _merge_sparse([p.joint[k] for p in parts]) for k in orders})


def _packed_keys(arr: np.ndarray, start: int, stop: int, k: int) -> np.ndarray:
    """Keys of positions start..stop-1 of ``arr`` (start >= k): each byte with its k
    predecessors, packed as :func:`entropycodec.measures.conditional_entropy` packs them."""
    x = arr[start - k:stop].astype(np.uint64)
    n = stop - start
    ctx = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        ctx = (ctx << np.uint64(8)) | x[j:j + n]
    return (ctx << np.uint64(8)) | x[k:]


def _joint_counts(arr: np.ndarray, first: int, k: int):
    """Sparse counts of the order-k keys of positions ``first``.. of ``arr``, built in
    pieces of _PIECE positions (a key array of a whole range would be 8 bytes a byte)."""
    total = (np.empty(0, np.uint64), np.empty(0, np.int64))
    for i in range(max(first, k), arr.size, _PIECE):
        keys = _packed_keys(arr, i, min(i + _PIECE, arr.size), k)
        if k == 1:  # 65,536 possible keys: a dense count is one pass
            dense = np.bincount(keys.astype(np.intp), minlength=1 << 16)
            found = np.flatnonzero(dense)
            part = (found.astype(np.uint64), dense[found].astype(np.int64))
        else:
            uniq, counts = np.unique(keys, return_counts=True)
            part = (uniq, counts.astype(np.int64))
        total = _merge_sparse([total, part])
    return total


def _count_buffer(arr: np.ndarray, pre: int, orders: int) -> _Counts:
    """Counts of ``arr[pre:]``, the first ``pre`` bytes (at most ``orders``) being the
    bytes just before it in its file (contexts only)."""
    from entropycodec.models.histogram_kernels import byte_histogram

    body = arr[pre:]
    joint = {k: _joint_counts(arr, pre, k) for k in range(1, orders + 1)}
    return _Counts(int(body.size), 0, byte_histogram(body), joint)


def _read_range(path: str, start: int, stop: int, before: int) -> tuple[np.ndarray, int]:
    """Bytes start..stop-1 of ``path`` with up to ``before`` bytes before them; returns
    (array, number of bytes before). A file that is now shorter raises OSError."""
    pre = min(start, before)
    with open(path, "rb") as f:
        f.seek(start - pre)
        data = f.read(stop - start + pre)
    if len(data) != stop - start + pre:
        raise OSError(f"{path}: file changed while being read (shorter than {stop} bytes)")
    return np.frombuffer(data, dtype=np.uint8), pre


def _count_batch(pieces, orders: int) -> _Counts:
    """The summed counts of ``pieces`` [(file index, path, start, stop), ...]."""
    parts = []
    for _, path, start, stop in pieces:
        arr, pre = _read_range(path, start, stop, orders)
        part = _count_buffer(arr, pre, orders)
        part.n_files = int(start == 0)
        parts.append(part)
    return _add_counts(*parts)


def _collect(paths, blocksize) -> tuple[list, int]:
    """(files, blocksize in bytes): the regular files of ``paths`` (files, and the files
    directly inside directories, as ``experiment corpus`` collects them) as (given path,
    absolute path, size)."""
    from entropycodec.experiments.corpus import collect_files

    size = parse_bytes(blocksize) if isinstance(blocksize, str) else blocksize
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidInputError(f"blocksize must be a positive number of bytes, got {blocksize!r}")
    return [(p, os.path.abspath(p), os.stat(p).st_size) for p in collect_files(paths)], size


# Tasks per worker thread that the batches of small files aim at: enough that the last
# tasks do not leave a worker idle for long, few enough that scheduling costs nothing.
_TASKS_PER_THREAD = 8
_MIN_BATCH = 1 << 20


def _batches(files, size: int, threads: int) -> list:
    """The tasks' work: batches of pieces (file index, absolute path, start, stop). A file
    larger than ``size`` is cut into ranges of ``size`` bytes; smaller files and ranges are
    grouped into batches of about total / (8 x threads) bytes (at least 1 MiB, at most
    ``size``), so that every worker gets several tasks."""
    total = sum(n for _, _, n in files)
    target = min(size, max(_MIN_BATCH, -(-total // (_TASKS_PER_THREAD * max(threads, 1)))))
    batches, batch, used = [], [], 0
    for index, (_, path, n) in enumerate(files):
        for start in range(0, max(n, 1), size):
            stop = min(start + size, n)
            if batch and used + (stop - start) > target:
                batches.append(batch)
                batch, used = [], 0
            batch.append((index, path, start, stop))
            used += stop - start
    if batch:
        batches.append(batch)
    return batches


def _check_order(value, name: str, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise InvalidInputError(f"{name} must be an int in 0..{high}, got {value!r}")
    return value


@dataclass(frozen=True)
class SymbolCounts:
    """Byte counts of a set of files: ``order0[b]`` the number of bytes b; with order 1,
    ``order1[a, b]`` the number of times byte b follows byte a inside a file (pairs never
    span two files); ``n_bytes`` and ``n_files`` the totals."""

    order0: np.ndarray
    order1: np.ndarray | None
    n_bytes: int
    n_files: int


def symbol_counts(paths, *, order: int = 0, blocksize="64 MiB", client=None) -> SymbolCounts:
    """Byte counts (``order=1``: also the 256 x 256 order-1 context counts) of the files of
    ``paths`` (files, or directories of files), each cut into ranges of ``blocksize``
    bytes (a number, or a string such as ``"64 MiB"``) counted on the workers with the
    package's histogram kernel and added up by a tree of tasks.

    The counts equal ``np.bincount`` over each whole file, summed over the files.
    """
    order = _check_order(order, "order", 1)
    files, size = _collect(paths, blocksize)
    with _session(client) as c:
        batches = _batches(files, size, sum(c.nthreads().values()))
        if batches:
            parts = [c.submit(_count_batch, batch, order, pure=False) for batch in batches]
            total = _tree_sum(c, parts).result()
        else:
            total = _Counts(0, 0, np.zeros(256, np.int64), {1: _merge_sparse([])} if order else {})
    order1 = None
    if order:
        keys, counts = total.joint[1]
        order1 = np.zeros(1 << 16, np.int64)
        order1[keys.astype(np.intp)] = counts
        order1 = order1.reshape(256, 256)
    return SymbolCounts(total.order0, order1, total.n_bytes, len(files))


# -- entropies and static coders' sizes from counts ----------------------------------------

def _entropy_from_joint(keys: np.ndarray, joint: np.ndarray) -> float:
    """H(X | C) in bits from the sparse joint counts of (context, byte) keys, computed as
    :func:`entropycodec.measures.conditional_entropy` computes it from the same counts
    (the same arrays in the same order: the same float)."""
    n = int(joint.sum())
    if n <= 0:
        return 0.0
    ctx = keys >> np.uint64(8)
    starts = np.flatnonzero(np.concatenate(([True], ctx[1:] != ctx[:-1])))
    marg = np.add.reduceat(joint, starts)
    h = ((marg * np.log2(marg)).sum() - (joint * np.log2(joint)).sum()) / n
    return max(float(h), 0.0)


def _entropies(counts: _Counts, contexts: int) -> dict:
    """{"H0": ..., "H1": ..., ...} of ``counts``, 0.0 for no bytes (as experiment corpus)."""
    c0 = counts.order0
    found = np.flatnonzero(c0)
    out = {"H0": _entropy_from_joint(found.astype(np.uint64), c0[found])}
    for k in range(1, contexts + 1):
        out[f"H{k}"] = _entropy_from_joint(*counts.joint[k])
    return out


def _predicted_bits(order0: np.ndarray, coder: str) -> int:
    """Size in bits of bytes with these counts coded by ``entropycodec.encode(data,
    coder=coder)`` (payload + header), predicted from the counts without coding: exact
    for Huffman (sum of count x length); for the arithmetic and rANS coders the quantized
    model's cross-entropy plus the coder's flush bytes, the container's rule for
    ``coder="auto"`` (a few bytes above the coded size)."""
    from entropycodec.alphabet import BYTE_ALPHABET
    from entropycodec.coders import get
    from entropycodec.container.blocks import RANGE_FLUSH_BYTES
    from entropycodec.models.counts import FrequencyTable, quantize_counts
    from entropycodec.models.static import StaticModel
    from entropycodec.sequence import default_scale_bits, header_bits_for

    c = np.asarray(order0, dtype=np.int64)
    n = int(c.sum())
    if not n:
        return 0
    q = c.astype(np.float64) / n  # the model encode() builds from the data (Q = P)
    spec = get(coder)
    if spec.model_kind == "code":
        from entropycodec.coders.huffman import HuffmanCode

        code = HuffmanCode.from_frequencies(FrequencyTable(BYTE_ALPHABET, q))
        return 8 * ((code.cost_bits(c) + 7) // 8) + header_bits_for(coder, code, BYTE_ALPHABET)
    k = int(np.count_nonzero(c))
    scale = max(default_scale_bits(k, n), (k - 1).bit_length())
    freqs = quantize_counts(q, scale)
    nz = c > 0
    ideal = float((c[nz] * (scale - np.log2(freqs[nz]))).sum())
    if coder == "rans":
        from entropycodec.coders.rans_streams import flush_bytes

        flush = flush_bytes(n)
    else:
        flush = RANGE_FLUSH_BYTES
    model = StaticModel(BYTE_ALPHABET, freqs, scale)
    return 8 * (math.ceil(ideal / 8) + flush) + header_bits_for(coder, model, BYTE_ALPHABET)


def _method(bits: int, n: int, predicted: bool) -> dict:
    return {"bits": int(bits), "bits_per_byte": bits / n if n else 0.0, "predicted": predicted}


def _file_row(counts: _Counts, contexts: int, coders, coded: dict | None) -> dict:
    """A file's row: size, entropies, the order-0 bound n H0, each coder's size (coded, as
    experiment corpus codes it, when ``coded`` gives it; else predicted from the counts)."""
    n = counts.n_bytes
    row = {"bytes": n, **_entropies(counts, contexts)}
    row["bound_bits"] = n * row["H0"]
    row["methods"] = {c: _method(coded[c], n, False) if coded is not None
                      else _method(_predicted_bits(counts.order0, c), n, True) for c in coders}
    return row


def _coded_bits(data, coders) -> dict:
    """Each coder's total bits on ``data``, as ``experiment corpus`` measures them."""
    from entropycodec.sequence import encode

    return {c: encode(data, coder=c).total_bits for c in coders}


def _report_batch(pieces, contexts: int, coders, whole: set) -> dict:
    """Counts of a batch of pieces, with the rows of the files it holds whole.

    Returns {"rows": {file index: row}, "parts": {file index: _Counts} for the pieces of
    files cut into several ranges, "total": the batch's summed counts}.
    """
    rows, parts, all_counts = {}, {}, []
    for index, path, start, stop in pieces:
        arr, pre = _read_range(path, start, stop, contexts)
        counts = _count_buffer(arr, pre, contexts)
        counts.n_files = int(start == 0)
        all_counts.append(counts)
        if index in whole:
            rows[index] = _file_row(counts, contexts, coders, _coded_bits(arr.tobytes(), coders))
        else:  # a range of a file cut into several
            parts[index] = _add_counts(parts[index], counts) if index in parts else counts
    return {"rows": rows, "parts": parts, "total": _add_counts(*all_counts)}


def _pick(result: dict, key, index=None):
    value = result[key]
    return value if index is None else value[index]


def _read_coded_bits(path: str, coders) -> dict:
    with open(path, "rb") as f:
        return _coded_bits(f.read(), coders)


def _total_row(counts: _Counts, contexts: int, coders) -> dict:
    return {"files": counts.n_files, **_file_row(counts, contexts, coders, None)}


def _check_static_coders(coders) -> tuple:
    coders = (coders,) if isinstance(coders, str) else tuple(coders)
    bad = [c for c in coders if c not in MODEL_CODERS]
    if bad or not coders:
        raise InvalidInputError(f"corpus_report predicts static coders only: got {list(bad)}; "
                                f"choose from {', '.join(MODEL_CODERS)}")
    return coders


def corpus_report(paths, *, contexts: int = 2, coders=MODEL_CODERS, blocksize="64 MiB",
                  client=None) -> dict:
    """Entropies and static coders' sizes of a set of files, per file and for the whole.

    ``paths``: files, or directories of files (as ``experiment corpus`` takes them);
    ``contexts``: the conditional entropies H1..Hk to report (k up to 3); ``coders``:
    static coders (default: huffman, arithmetic, rans).

    Per file (``result["files"]``, in input order) the numbers ``entropycodec experiment
    corpus`` computes in one process, exactly: ``bytes``, ``H0``, ``H1``..``Hk`` (plug-in
    estimates, bits per byte: :func:`entropycodec.conditional_entropy`), and each coder's
    ``bits`` and ``bits_per_byte`` (``entropycodec.encode(data, coder=c).total_bits``);
    plus the order-0 bound ``bound_bits`` = n H0. A file above the experiment's 64 MiB
    limit is not coded in one piece: its coders' sizes are predicted from its counts
    (``"predicted": True``; exact for Huffman, a few bytes high for the others).

    For the whole set (``result["total"]``): ``files``, ``bytes``, H0..Hk of all the
    files' counts added (contexts never span two files), ``bound_bits`` = n H0 of them,
    ``methods``: each coder's size coding the whole set as one sequence with one model
    (predicted from the counts), and ``sum_of_files``: the files' own sizes added up.
    """
    from entropycodec.experiments.corpus import MAX_FILE_BYTES

    contexts = _check_order(contexts, "contexts", MAX_CONTEXTS)
    coders = _check_static_coders(coders)
    files, size = _collect(paths, blocksize)
    whole = {i for i, (_, _, n) in enumerate(files) if n <= size}
    rows: dict = {}
    with _session(client) as c:
        batches = _batches(files, size, sum(c.nthreads().values()))
        if batches:
            results = [c.submit(_report_batch, b, contexts, coders,
                                {i for i, *_ in b if i in whole}, pure=False) for b in batches]
            row_futures = [c.submit(_pick, r, "rows", pure=False) for r in results]
            split: dict = {}
            for r, batch in zip(results, batches):
                for index in sorted({i for i, *_ in batch if i not in whole}):
                    split.setdefault(index, []).append(c.submit(_pick, r, "parts", index, pure=False))
            single = {}
            for index, parts in split.items():
                _, path, n = files[index]
                coded = (c.submit(_read_coded_bits, path, coders, pure=False)
                         if n <= MAX_FILE_BYTES else None)
                single[index] = c.submit(_file_row, _tree_sum(c, parts), contexts, coders, coded,
                                         pure=False)
            total = c.submit(_total_row, _tree_sum(c, [c.submit(_pick, r, "total", pure=False)
                                                       for r in results]),
                             contexts, coders, pure=False)
            del results
            for future in distributed.as_completed(row_futures, loop=c.loop):
                rows.update(future.result())
            for index, future in single.items():
                rows[index] = future.result()
            total = total.result()
        else:
            empty = _Counts(0, 0, np.zeros(256, np.int64),
                            {k: _merge_sparse([]) for k in range(1, contexts + 1)})
            total = _total_row(empty, contexts, coders)
    out_rows = []
    for index, (given, _, _) in enumerate(files):
        out_rows.append({"file": given.name, "path": str(given), **rows[index]})
    n = total["bytes"]
    sums = {m: sum(r["methods"][m]["bits"] for r in out_rows) for m in coders}
    total["sum_of_files"] = {
        "bound_bits": sum(r["bound_bits"] for r in out_rows),
        "methods": {m: {"bits": b, "bits_per_byte": b / n if n else 0.0} for m, b in sums.items()},
    }
    return {
        "experiment": "corpus_report",
        "params": {"contexts": contexts, "blocksize": size},
        "methods": list(coders),
        "files": out_rows,
        "total": total,
    }


def _corpus_row(path: str, shown: str, methods, repeat: int, cm_level) -> dict:
    from entropycodec.experiments.corpus import run_corpus as run_one

    row = run_one([path], methods=methods, repeat=repeat, cm_level=cm_level)["files"][0]
    row["path"] = shown
    return row


def run_corpus(paths, *, methods=None, repeat: int = 1, cm_level: int | None = None,
               client=None) -> dict:
    """``entropycodec.experiments.corpus.run_corpus`` with one task per file: the same
    result (rows in input order; every number but the timings, which each worker
    measures on its own file, is identical), for ``experiment corpus --scheduler``."""
    from entropycodec.experiments.corpus import CORPUS_METHODS, collect_files
    from entropycodec.experiments.corpus import run_corpus as run_one

    methods = CORPUS_METHODS if methods is None else tuple(methods)
    result = run_one([], methods=methods, repeat=repeat, cm_level=cm_level)  # checks the options
    files = collect_files(paths)
    params = result["params"]
    jobs = [(os.path.abspath(p), str(p), methods, params["repeat"], params["cm_level"])
            for p in files]
    with _session(client) as c:
        with closing(_in_order(c, _corpus_row, jobs, _window(c))) as rows:
            result["files"] = list(rows)
    return result


# -- files: small files share a task, each output is written by its worker -----------------

@contextmanager
def _atomic_output(target: str, token: str, copy_from: str | None):
    """A temporary file beside ``target`` (hidden; its name holds ``token``, so that the
    driver can find what a killed worker left), renamed over ``target`` only when the
    block succeeds, with the mode and times of ``copy_from`` (as the command line keeps
    them); removed on any failure."""
    import shutil
    import tempfile

    folder = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)[:64]}.{token}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        if copy_from is not None:
            shutil.copystat(copy_from, tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _remove_leftovers(targets, token: str) -> None:
    """Remove the temporary files of this run (``token``) that tasks killed mid-write left."""
    for folder in {os.path.dirname(os.path.abspath(t)) for t in targets}:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.startswith(".") and f".{token}." in name and name.endswith(".tmp"):
                try:
                    os.unlink(os.path.join(folder, name))
                except OSError:
                    pass


def _error_text(exc: BaseException, name: str, shown=None) -> str:
    """The one line ``NAME: reason`` of a failed file, as the command line words it: an
    OSError names its own file (``shown`` maps the absolute paths a task was given back
    to the names the caller gave), anything else the file ``name``."""
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename if exc.filename is not None else name
        return f"{(shown or {}).get(where, where)}: {exc.strerror}"
    if isinstance(exc, (EntropyCodecError, OSError)):
        return f"{name}: {exc}"
    return f"{name}: {type(exc).__name__}: {exc}"


def _row(src, target, input_size=None, output_size=None, seconds=None, error=None,
         mode="compress", trailing=None) -> dict:
    ratio = None
    if input_size is not None and output_size is not None:
        packed, original = ((output_size, input_size) if mode == "compress"
                            else (input_size, output_size))
        ratio = packed / original if original else 0.0
    row = {"file": src, "output": target, "input_size": input_size, "output_size": output_size,
           "ratio": ratio, "seconds": seconds, "error": error}
    if mode != "compress":
        row["ignored_trailing_offset"] = trailing
    return row


def _code_file(mode: str, src: str, target: str, settings: dict, token: str,
               shown: dict) -> dict:
    """One file through the compressor or the decompressor into ``target``: a row, with
    any failure as its ``error`` (the partial output removed)."""
    from entropycodec.api import Compressor, StreamSequence
    from entropycodec.errors import TruncatedDataError

    started = time.perf_counter()
    size_in = size_out = 0
    trailing = None
    try:
        with open(src, "rb") as fin, _atomic_output(target, token, src) as fout:
            if mode == "compress":
                comp = Compressor(**settings)
                while chunk := fin.read(_CHUNK):
                    size_in += len(chunk)
                    out = comp.compress(chunk)
                    fout.write(out)
                    size_out += len(out)
                out = comp.flush()
                fout.write(out)
                size_out += len(out)
            else:
                streams = StreamSequence(fin.read, read_size=_CHUNK, strict=settings["strict"],
                                         truncated="compressed data ends before the "
                                                   "end-of-stream marker")
                try:
                    while data := streams.read(_CHUNK):
                        fout.write(data)
                        size_out += len(data)
                except TruncatedDataError:
                    if not streams.bytes_in:
                        raise TruncatedDataError("empty input: not an .ec file") from None
                    raise
                finally:
                    streams.close()
                size_in, trailing = streams.bytes_in, streams.ignored_trailing_offset
    except Exception as exc:  # errors are data: the run goes on with the other files
        return _row(src, target, error=_error_text(exc, shown.get(src, src), shown), mode=mode)
    return _row(src, target, size_in, size_out, time.perf_counter() - started, mode=mode,
                trailing=trailing)


def _compress_settings(coder, level, block_size) -> dict:
    from entropycodec.container.blocks import check_coder
    from entropycodec.container.levels import LADDER, LEVELS
    from entropycodec.container.streams import check_block_size

    chosen, param = check_coder(coder, level)
    if block_size is None:  # as entropycodec.compress: the level's, else the format's
        block_size = LEVELS[param].block_size if chosen == LADDER else DEFAULT_BLOCK_SIZE
    return {"coder": coder, "level": level, "block_size": check_block_size(block_size)}


def code_files(pairs, *, mode: str = "compress", coder: str | None = None, level: int | None = None,
               block_size: int | None = None, strict: bool = False,
               client=None) -> list[dict]:
    """Compress (or with ``mode="decompress"``, decompress) each ``(input, output)`` pair
    on the workers (small files share a task: :func:`_file_batches`); returns one row per
    pair, in input order.

    Each output is written to a temporary file beside it and renamed over it when
    complete, with the input's mode and times, as ``entropycodec compress`` does; an
    existing output is replaced. A row holds ``file``, ``output``, ``input_size``,
    ``output_size`` (bytes read and written), ``ratio`` (compressed size / original
    size, as ``entropycodec info``), ``seconds`` and ``error``: None, or the one-line
    reason the file failed (unreadable, bad data, a worker that died each time it was
    tried), in which case nothing was written. Two pairs with the same output: the
    second fails. Compressed bytes equal ``entropycodec.compress(data, coder=coder,
    level=level, block_size=block_size)``.

    Decompressing, concatenated streams give the concatenation of their contents, and
    data after the last stream is ignored as :func:`entropycodec.decompress` ignores it
    (its offset is the row's ``ignored_trailing_offset``, else None); with
    ``strict=True`` it fails the file.
    """
    if mode not in ("compress", "decompress"):
        raise InvalidInputError(f"mode must be 'compress' or 'decompress', got {mode!r}")
    settings = (_compress_settings(coder, level, block_size) if mode == "compress"
                else {"strict": bool(strict)})
    pairs = [(os.fspath(src), os.fspath(dst)) for src, dst in pairs]
    token = uuid.uuid4().hex[:12]
    rows: list = [None] * len(pairs)
    seen: dict = {}
    jobs = []
    for i, (src, dst) in enumerate(pairs):
        key = os.path.abspath(dst)
        if key in seen:
            rows[i] = _row(src, dst, error=f"{dst}: also the output of {pairs[seen[key]][0]}",
                           mode=mode)
            continue
        seen[key] = i
        jobs.append((i, src, dst))
    if not jobs:
        return rows
    try:
        with _session(client) as c:
            _run_files(c, mode, jobs, settings, token, rows)
    finally:
        _remove_leftovers([dst for _, _, dst in jobs], token)
    return rows


def _file_batches(jobs, threads: int) -> list[list]:
    """``jobs`` (index, src, dst) grouped into tasks of about total / (16 x threads) input
    bytes, in order: a task per file costs the scheduler several ms, as much as coding a
    1 MB file, so small files share a task (a large file still gets one of its own)."""
    sizes = []
    for _, src, _ in jobs:
        try:
            sizes.append(os.path.getsize(src))
        except OSError:
            sizes.append(0)  # the task reports the error
    target = max(_MIN_BATCH, -(-sum(sizes) // (_FILE_BATCHES_PER_THREAD * max(threads, 1))))
    batches, batch, used = [], [], 0
    for job, size in zip(jobs, sizes):
        if batch and used + size > target:
            batches.append(batch)
            batch, used = [], 0
        batch.append(job)
        used += size
    if batch:
        batches.append(batch)
    return batches


def _code_batch(mode: str, batch, settings: dict, token: str) -> list[dict]:
    """The rows of one task's files, each coded by :func:`_code_file` (errors are rows)."""
    return [_code_file(mode, os.path.abspath(src), os.path.abspath(dst), settings, token,
                       {os.path.abspath(src): src, os.path.abspath(dst): dst})
            for _, src, dst in batch]


def _run_files(client, mode, jobs, settings, token, rows) -> None:
    """Fill ``rows`` from the tasks of ``jobs`` (batches of files), at most a window of
    them in flight. A task retried after a worker died rewrites its files (each output is
    atomic); a task that fails each time makes every file of its batch a failed row."""
    threads = sum(client.nthreads().values())
    todo = iter(_file_batches(jobs, threads))
    window = _window(client, per_thread=FILE_TASKS_PER_THREAD)
    where = {}
    running = distributed.as_completed(loop=client.loop)

    def submit_next() -> None:
        for batch in todo:
            future = client.submit(_code_batch, mode, batch, settings, token, pure=False)
            where[future.key] = batch
            running.add(future)
            return

    for _ in range(window):
        submit_next()
    for future in running:
        batch = where.pop(future.key)
        try:
            results = future.result()
        except Exception as exc:  # a worker died each time (KilledWorker), or a lost result
            results = [_row(src, dst, error=_error_text(exc, src), mode=mode) for _, src, dst in batch]
        for (i, src, dst), row in zip(batch, results):
            row["file"], row["output"] = src, dst  # as given, not made absolute
            rows[i] = row
        future.release()
        submit_next()


def compress_files(paths, out_dir, *, coder: str | None = None, level: int | None = None,
                   block_size: int | None = None, client=None) -> list[dict]:
    """Compress each file of ``paths`` to ``out_dir/NAME.ec`` (the folder is created) on the
    workers; returns the rows of :func:`code_files`, in input order.

    ``level`` is the compression level (or with ``coder``, that coder's level), as for
    :func:`entropycodec.compress`, whose bytes each output holds.
    """
    os.makedirs(out_dir, exist_ok=True)
    pairs = [(p, os.path.join(out_dir, os.path.basename(os.fspath(p)) + SUFFIX)) for p in paths]
    return code_files(pairs, mode="compress", coder=coder, level=level, block_size=block_size,
                      client=client)


def decompress_files(paths, out_dir, *, strict: bool = False, client=None) -> list[dict]:
    """Decompress each ``NAME.ec`` of ``paths`` to ``out_dir/NAME``, as code_files does (a
    name without the .ec suffix is a failed row); returns the rows of :func:`code_files`
    (``strict``: as there)."""
    os.makedirs(out_dir, exist_ok=True)
    pairs, bad = [], {}
    for i, p in enumerate(map(os.fspath, paths)):
        name = os.path.basename(p)
        if not name.endswith(SUFFIX) or name == SUFFIX:
            bad[i] = _row(p, None, error=f"{p}: unknown suffix (expected {SUFFIX})",
                          mode="decompress")
        else:
            pairs.append((p, os.path.join(out_dir, name[:-len(SUFFIX)])))
    done = iter(code_files(pairs, mode="decompress", strict=strict, client=client))
    return [bad[i] if i in bad else next(done) for i in range(len(pairs) + len(bad))]


# -- one large file: one task per block ------------------------------------------------------

def _encode_range(path: str, start: int, length: int, coder: str, param: int) -> bytes:
    from entropycodec.container.blocks import encode_block

    arr, _ = _read_range(path, start, start + length, 0)
    return encode_block(arr, coder, param)


def compress_large(path, out_path, *, coder: str | None = None, level: int | None = None,
                   block_size: int | None = None, client=None) -> dict:
    """Compress one file into one ``.ec`` stream at ``out_path``, its blocks coded on the
    workers (each reads its own byte range) and written in input order: the bytes of
    ``entropycodec compress`` with the same options. The output appears complete or not
    at all (temporary file, then rename; the input's mode and times). Returns the row of
    :func:`code_files` (any failure raises instead)."""
    from entropycodec.container.streams import StreamWriter

    path, out_path = os.fspath(path), os.fspath(out_path)
    writer = StreamWriter(coder=coder, level=level, block_size=block_size)  # checks the options
    started = time.perf_counter()
    size = os.stat(path).st_size
    bs = writer.block_size
    jobs = [(os.path.abspath(path), start, min(bs, size - start), writer.coder, writer.param)
            for start in range(0, size, bs)]
    token = uuid.uuid4().hex[:12]
    written = 0
    with _session(client) as c, _atomic_output(out_path, token, path) as fout:
        with closing(_in_order(c, _encode_range, jobs, _window(c))) as blocks:
            for (_, _, length, _, _), block in zip(jobs, blocks):
                out = writer.write_coded(block, length)
                fout.write(out)
                written += len(out)
        out = writer.finish()
        fout.write(out)
        written += len(out)
    return _row(path, out_path, size, written, time.perf_counter() - started)


def _decode_at(path: str, offset: int, stored_size: int, max_block_size: int) -> bytes:
    from entropycodec.container.blocks import decode_block

    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(stored_size)
    if len(data) != stored_size:
        raise OSError(f"{path}: file changed while being read")
    header = unpack_block_header(data[:BLOCK_HEADER.size], max_block_size)
    return decode_block(header, memoryview(data)[BLOCK_HEADER.size:])


def decompress_large(path, out_path, *, strict: bool = False, client=None) -> dict:
    """Decompress one ``.ec`` file (one or more concatenated streams) to ``out_path``, its
    blocks decoded on the workers and written in order; each block's CRC is checked
    where it is decoded, each stream's content CRC and sizes here. Bad data raises the
    package's CorruptDataError family, and nothing is written. Data after the last
    stream: as :func:`code_files` (ignored, or with ``strict=True`` an error). Returns
    the row of :func:`code_files`."""
    from entropycodec.container.crc import crc32_combine
    from entropycodec.container.inspect import read_header

    path, out_path = os.fspath(path), os.fspath(out_path)
    started = time.perf_counter()
    info = read_header(path, strict=strict)  # every header, end record and limit, first
    token = uuid.uuid4().hex[:12]
    source = os.path.abspath(path)
    written = 0
    with _session(client) as c, _atomic_output(out_path, token, path) as fout:
        for stream in info.streams:
            jobs = [(source, b.offset, b.stored_size, stream.max_block_size) for b in stream.blocks]
            crc = 0
            with closing(_in_order(c, _decode_at, jobs, _window(c))) as decoded:
                for block, out in zip(stream.blocks, decoded):
                    fout.write(out)
                    written += len(out)
                    crc = crc32_combine(crc, block.data_crc, len(out))
            if crc != stream.content_crc:
                raise ChecksumError("stream CRC-32 mismatch")
    return _row(path, out_path, os.stat(path).st_size, written, time.perf_counter() - started,
                mode="decompress", trailing=info.ignored_trailing_offset)
