"""Files as the file commands (compress, decompress, test) read and write them.

* Outputs go to a temporary file beside the target, renamed over it only when
  complete (:func:`atomic_output`); while it exists, it is registered for
  removal on a signal.
* :func:`install_signal_handlers` makes SIGINT, SIGTERM and SIGHUP end the
  process as gzip does (:mod:`~entropycodec.cli.signals`, re-exported here): the
  registered partial outputs are removed, then the process exits with 128 + the
  signal number (130, 143, 129) at once, without a traceback.
* Write errors name the output (``stdout`` or the target), not the input
  (:class:`NamedOutput`).
* ``-r`` walks directories (:func:`tree_files`).

Only the standard library is imported here: the command line starts fast.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from contextlib import contextmanager

from entropycodec.cli.signals import install_signal_handlers, on_signal

SUFFIX = ".ec"
#: Why a symbolic link named as FILE is not compressed or decompressed beside itself.
SYMLINK_REFUSED = "{}: is a symbolic link -- ignored (use -f to follow it, or -c/-o)"

__all__ = [
    "SUFFIX", "SYMLINK_REFUSED", "FileFailed", "NamedOutput", "atomic_output", "binary_stream",
    "discard_stdout", "install_signal_handlers", "isatty", "on_signal", "open_input", "same_regular_file",
    "special_output", "target_name", "tree_files",
]


class FileFailed(Exception):
    """One file failed; the message is already formatted. Processing goes on."""


# -- streams ------------------------------------------------------------------------------

def binary_stream(stream):
    """The byte stream under a text stream (sys.stdin / sys.stdout, or CliRunner's)."""
    return getattr(stream, "buffer", stream)


def isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def same_regular_file(a, b) -> bool:
    """True when the open files ``a`` and ``b`` are the same regular file."""
    try:
        sa, sb = os.fstat(a.fileno()), os.fstat(b.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return stat.S_ISREG(sa.st_mode) and (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


class NamedOutput:
    """A binary output whose write errors name it: ``compress -c f > /dev/full`` reports
    ``stdout: No space left on device``, not a fault of ``f``."""

    def __init__(self, stream, name: str):
        self.stream, self.name = stream, name
        self.failed = False

    def _failure(self, exc: OSError) -> OSError:
        self.failed = True
        return OSError(exc.errno, exc.strerror, self.name)

    def write(self, data) -> None:
        try:
            self.stream.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failure(exc) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failure(exc) from None


def discard_stdout() -> None:
    """After stdout failed (disk full): point it at /dev/null, so that the interpreter's
    final flush of what is still buffered does not print a second error."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (CliRunner): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


# -- inputs and targets -------------------------------------------------------------------

@contextmanager
def open_input(name, source, follow: bool = True):
    """``source`` itself when given (stdin), else the file ``name`` opened for reading;
    without ``follow``, a symbolic link is refused (FileFailed) even if it appeared after
    the caller checked ``name`` (``O_NOFOLLOW``, as gzip opens its inputs)."""
    if source is not None:
        yield source
        return
    if follow:
        f = open(name, "rb")
    else:
        nofollow = getattr(os, "O_NOFOLLOW", 0)
        try:
            f = open(name, "rb", opener=lambda path, flags: os.open(path, flags | nofollow))
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FileFailed(SYMLINK_REFUSED.format(name)) from None
            raise
    with f:
        yield f


def target_name(mode: str, name: str, output, force: bool) -> str:
    """The file ``name`` is written to: ``output`` when given, else FILE.ec / FILE."""
    if output is not None:
        return output
    if mode == "compress":
        if name.endswith(SUFFIX) and not force:
            raise FileFailed(f"{name}: already has the {SUFFIX} suffix -- unchanged "
                             "(use -f to compress it again, or -c/-o)")
        return name + SUFFIX
    if not name.endswith(SUFFIX) or name == SUFFIX or name.endswith(os.sep + SUFFIX):
        raise FileFailed(f"{name}: unknown suffix -- ignored (expected {SUFFIX}; use -c or -o)")
    return name[: -len(SUFFIX)]


def special_output(target: str, named: bool) -> bool:
    """True when ``target`` is an existing character device or named pipe (/dev/null, a
    FIFO) named with -o: it is written into, never replaced. Any other special file, or
    one that is only the derived name (``x`` for ``x.ec``), is refused."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return False
    if named and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        return True
    raise FileFailed(f"{target}: not a regular file -- not overwritten")


def tree_files(top: str, mode: str, report):
    """The files under directory ``top`` that ``mode`` takes, for ``-r``, in sorted order:
    for compress every regular file not ending in .ec, for decompress and test every
    regular file ending in .ec. Symbolic links and special files inside the tree are
    skipped (as gzip does); ``report(OSError)`` is called for a directory that cannot be
    read, and the walk goes on. The list is made before any file is processed, so the
    outputs written meanwhile are not visited."""
    found = []
    for folder, dirs, names in os.walk(top, onerror=report):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            try:
                regular = stat.S_ISREG(os.lstat(path).st_mode)
            except OSError as exc:
                report(exc)
                continue
            if regular and name.endswith(SUFFIX) == (mode != "compress"):
                found.append(path)
    return found


# -- outputs ------------------------------------------------------------------------------

def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


@contextmanager
def atomic_output(target: str, copy_from: str | None):
    """A temporary file beside ``target``, renamed over it only if the block succeeds. It
    is removed on failure, on an exception (Ctrl-C without the handlers) and on a handled
    signal. Errors name ``target``, not the temporary file."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(target))
    # Hidden, and short enough for NAME_MAX whatever the target's name length.
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(target)[:64] + ".",
                                   suffix=".tmp")
    except OSError as exc:  # report the output the user named, not our temporary name
        raise OSError(exc.errno, exc.strerror, target) from None
    with on_signal(lambda: _unlink_quietly(tmp)):
        f = os.fdopen(fd, "wb")
        try:
            try:
                yield f
            except BaseException:
                try:
                    f.close()
                except OSError:
                    pass  # the error that got us here is the one to report
                raise
            try:
                f.close()  # the last flush: a full disk may show only here
                if copy_from is not None:
                    import shutil

                    shutil.copystat(copy_from, tmp)  # mode and times, as gzip keeps them
                else:  # the mode any program's new file gets, not mkstemp's private 0600
                    umask = os.umask(0)
                    os.umask(umask)
                    os.chmod(tmp, 0o666 & ~umask)
                os.replace(tmp, target)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, target) from None
        except BaseException:
            _unlink_quietly(tmp)
            raise
