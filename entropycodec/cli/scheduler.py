"""``--scheduler ADDRESS|local``: the file commands and ``experiment corpus`` on a Dask cluster.

With the option, the work goes to :mod:`entropycodec.dask` (the ``dask`` extra), which is
imported only then: without it, no command loads dask. ``local`` starts a cluster of
this machine's cores for the command; an address (``tcp://host:8786``) uses a running
scheduler, whose workers must see the same files.

``compress`` and ``decompress`` take named files only (no stdin, no ``-c``): each file
is checked here as the one-process driver checks it (directories with ``-r``, existing
outputs with ``-f``, symbolic links, suffixes), then a file of more than one block is
coded block by block on the workers (:func:`~entropycodec.dask.compress_large`,
:func:`~entropycodec.dask.decompress_large`) and the other files one task each
(:func:`~entropycodec.dask.code_files`). The outputs are byte for byte those of the
command without the option, and the messages, ``--rm``, ``-v`` and the exit status
(1: a file failed; 2: trailing data ignored) follow it.
"""

from __future__ import annotations

import os
import stat
import sys

import click

from entropycodec.cli.files import SYMLINK_REFUSED, FileFailed, special_output, target_name, tree_files
from entropycodec.cli.options import file_error
from entropycodec.container.format import DEFAULT_BLOCK_SIZE

SCHEDULER_OPTION = click.option(
    "--scheduler", metavar="ADDRESS|local", default=None,
    help="Run on a Dask cluster: a scheduler's address (tcp://host:8786), or 'local' for a "
         "cluster of this machine's cores. Needs the 'dask' extra.")


def _checked(mode: str, name: str, *, output, force: bool) -> tuple[str, int]:
    """(target, size) of one named FILE, or FileFailed with the one-process driver's message."""
    beside = output is None
    if beside and not force and os.path.islink(name):
        raise FileFailed(SYMLINK_REFUSED.format(name))
    st = os.stat(name)
    if stat.S_ISDIR(st.st_mode):
        raise FileFailed(f"{name}: is a directory -- ignored (use -r for the files in it)")
    if not stat.S_ISREG(st.st_mode):
        raise FileFailed(f"{name}: not a regular file -- ignored (--scheduler reads regular files)")
    target = target_name(mode, name, output, force)
    if special_output(target, named=output is not None):
        raise FileFailed(f"{target}: not a regular file -- --scheduler writes regular files only")
    if os.path.lexists(target):
        if not force:
            raise FileFailed(f"{target}: already exists; not overwritten (use -f)")
        if os.path.exists(target) and os.path.samefile(name, target):
            raise FileFailed(f"{target}: is the input file")
    return target, st.st_size


def run_files(mode: str, files, *, scheduler: str, to_stdout: bool, output, remove: bool,
              force: bool, recursive: bool, quiet: bool, verbose: bool, settings: dict,
              report, warn) -> None:
    """compress or decompress FILEs on the cluster; exits 1 if any failed, else 2 if any
    gave a warning. ``report(mode, name, target, in, out, seconds)`` makes the -v line and
    ``warn(label, offset, quiet)`` the trailing-data warning (the one-process driver's)."""
    if mode not in ("compress", "decompress"):
        raise click.UsageError("--scheduler compresses and decompresses; test without it")
    if to_stdout or "-" in files:
        raise click.UsageError("--scheduler works on named files: not on stdin, not with -c")
    failed = warned = False

    def unreadable(exc: OSError) -> None:  # a directory of the -r walk
        nonlocal failed
        file_error(exc.filename, exc)
        failed = True

    jobs = []  # (name, target, size)
    for given in files:
        names = tree_files(given, mode, unreadable) if recursive and os.path.isdir(given) else [given]
        for name in names:
            try:
                jobs.append((name, *_checked(mode, name, output=output, force=force)))
            except FileFailed as exc:
                click.echo(f"entropycodec: {exc}", err=True)
                failed = True
            except OSError as exc:
                file_error(exc.filename or name, exc)
                failed = True
    if jobs:
        rows = _code(mode, jobs, scheduler, settings)
        for (name, target, _), row in zip(jobs, rows):
            if row["error"] is not None:
                click.echo(f"entropycodec: {row['error']}", err=True)
                failed = True
                continue
            trailing = row.get("ignored_trailing_offset")
            warn(name, trailing, quiet)
            warned |= trailing is not None
            if remove:
                if trailing is not None:
                    if not quiet:
                        click.echo(f"entropycodec: {name}: holds trailing data -- not removed",
                                   err=True)
                else:
                    os.unlink(name)
            if verbose:
                read, written = row["input_size"], row["output_size"]
                click.echo(report(mode, name, target, read, written, row["seconds"]), err=True)
    if failed or warned:
        sys.exit(1 if failed else 2)


def _code(mode: str, jobs, scheduler: str, settings: dict) -> list[dict]:
    """The rows of ``jobs``, in order: files of more than one block block by block, the
    others one task each. A large file that fails is a row with its error."""
    import entropycodec.dask as ed
    from entropycodec.errors import EntropyCodecError

    if mode == "compress":
        options = {k: settings[k] for k in ("coder", "level", "block_size")}
        one_block = settings["block_size"]
    else:
        options = {"strict": settings.get("strict", False)}
        one_block = DEFAULT_BLOCK_SIZE  # compressed bytes: about one block of the default size
    rows: list = [None] * len(jobs)
    with ed.connect(scheduler) as client:
        small = [i for i, (_, _, size) in enumerate(jobs) if size <= one_block]
        done = ed.code_files([jobs[i][:2] for i in small], mode=mode, client=client, **options)
        for i, row in zip(small, done):
            rows[i] = row
        large = ed.compress_large if mode == "compress" else ed.decompress_large
        for i, (name, target, _) in enumerate(jobs):
            if rows[i] is not None:
                continue
            try:
                rows[i] = large(name, target, client=client, **options)
            except (EntropyCodecError, OSError) as exc:
                where = getattr(exc, "filename", None) or name
                rows[i] = {"error": f"{where}: {getattr(exc, 'strerror', None) or exc}"}
    return rows


def run_corpus(scheduler: str, paths, **options) -> dict:
    """``experiment corpus`` with one task per file on the cluster (the same result)."""
    import entropycodec.dask as ed

    with ed.connect(scheduler) as client:
        return ed.run_corpus(paths, client=client, **options)
