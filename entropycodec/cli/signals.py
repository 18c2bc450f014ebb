"""SIGINT, SIGTERM and SIGHUP end the command as they end gzip: the registered partial
outputs are removed, then the process exits with 128 + the signal number (130, 143, 129)
at once, without a traceback, even while a worker thread is inside a coding kernel.

The program (:mod:`entropycodec.cli.main`) installs the handlers before anything else of
the command line loads, so this module imports only what Python's startup has already
loaded: :mod:`os` and ``_signal``, the C module under :mod:`signal`. ``import signal``
would load :mod:`enum` first, about 4 ms on an install without an editable finder: the
largest share of the time our code took before the handler was in, during which a
Ctrl-C printed a ``KeyboardInterrupt`` traceback (docs/cli.md, "Signals").

>>> calls = []
>>> with on_signal(lambda: calls.append("removed")):
...     len(_on_signal)
1
>>> _on_signal, calls
([], [])
"""

from __future__ import annotations

import _signal  # `signal` without its enum wrappers (see above): the same functions
import os

__all__ = ["install_signal_handlers", "on_signal"]

# Callbacks run by the signal handler before the process exits, newest first.
_on_signal: list = []
_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class on_signal:  # noqa: N801 -- used as a function: ``with on_signal(callback):``
    """Run ``callback()`` if a handled signal ends the process inside this block.

    It runs in the signal handler: it must be quick and must not take locks another thread
    may hold (no buffered writes to a shared stream; ``os.write`` and ``os.unlink`` are fine).
    (A class, not a ``contextlib.contextmanager``: contextlib is not loaded yet when this
    module is.)
    """

    def __init__(self, callback):
        self._callback = callback

    def __enter__(self):
        _on_signal.append(self._callback)

    def __exit__(self, *exc_info) -> None:
        _on_signal.remove(self._callback)


def _exit_on_signal(signum, frame) -> None:
    for name in _SIGNALS:  # a second Ctrl-C must not interrupt the cleanup
        sig = getattr(_signal, name, None)
        if sig is not None:
            _signal.signal(sig, _signal.SIG_IGN)
    for callback in reversed(_on_signal):
        try:
            callback()
        except Exception:  # noqa: S110 -- nothing more can be done on the way out
            pass
    # os._exit, not sys.exit: a worker thread may be inside a kernel for seconds, and the
    # interpreter's shutdown would wait for the thread pools' workers to finish their blocks.
    os._exit(128 + signum)


def install_signal_handlers() -> None:
    """SIGINT, SIGTERM and SIGHUP remove partial outputs and exit 128 + signal number.

    A signal that is ignored when the command starts (``nohup``, a background job) stays
    ignored, as in gzip. Called first by the command line, before click, numpy and numba
    load, so that an early Ctrl-C gives no traceback. Outside the main thread this does
    nothing.
    """
    for name in _SIGNALS:
        sig = getattr(_signal, name, None)
        if sig is None:
            continue
        try:
            if _signal.getsignal(sig) != _signal.SIG_IGN:
                _signal.signal(sig, _exit_on_signal)
        except ValueError:  # not the main thread: leave signals alone
            return
