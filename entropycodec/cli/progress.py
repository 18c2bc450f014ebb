"""What the main thread does while a worker thread codes a file: draw the progress line
and stay free to handle a signal.

The kernels release the GIL, and Python runs signal handlers only in the main thread,
between bytecodes: so the coding runs in a worker (:func:`in_worker`) while the main
thread waits, takes a Ctrl-C at once, and redraws the line (:class:`Progress`).
"""

from __future__ import annotations

import os
import shutil
import threading
import time

from entropycodec.cli.units import format_speed, human_size


class Progress:
    """One file's progress as a line on ``stream``, redrawn in place: the percentage of the
    input coded (when its size is known), the bytes, the speed and the elapsed time.

    Drawn only when ``enabled`` (stderr is a terminal and no ``-q``), and only once the file
    has taken :attr:`DELAY` seconds: quick runs print nothing. "Coded" means the input
    bytes of the blocks that are done, so the line moves block by block (a block is coded
    by one kernel call; a 4 MiB cm block takes about 5 s). The coding thread calls
    :meth:`update`; the main thread calls :meth:`tick` and :meth:`finish`, which erases
    the line.
    """

    DELAY = 1.0     # seconds before the line first appears
    INTERVAL = 0.2  # seconds between redraws

    def __init__(self, label: str, total: int | None, stream, *, enabled: bool,
                 clock=time.monotonic, width: int | None = None):
        self.label, self.total, self.stream, self.enabled = label, total, stream, enabled
        self.clock = clock
        self.width = width
        self.started = clock()
        self.done = 0
        self._shown = 0  # characters of the line now on the terminal
        self._drawn_at = None

    def update(self, done: int) -> None:
        self.done = done

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 0.0)
        parts = []
        if self.total:
            parts.append(f"{min(100, 100 * self.done // self.total):3d}%")
        parts.append(human_size(self.done) + ("" if self.total is None else
                                              f" / {human_size(self.total)}"))
        speed = format_speed(self.done, elapsed) if self.done else None
        if speed:
            parts.append(speed)
        seconds = int(elapsed)
        parts.append(f"{seconds // 60}:{seconds % 60:02d}")
        return f"{self.label}: " + "  ".join(parts)

    def tick(self) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.DELAY:
            return
        if self._drawn_at is not None and now - self._drawn_at < self.INTERVAL:
            return
        width = self.width or shutil.get_terminal_size().columns
        text = self.line(now)[:max(width - 1, 10)]
        self.stream.write("\r" + text + " " * max(0, self._shown - len(text)))
        self.stream.flush()
        self._shown, self._drawn_at = len(text), now

    def finish(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0

    def abandon(self) -> None:
        """On a signal: end the line, so that the shell's prompt starts on a fresh one."""
        if self._shown:
            os.write(self.stream.fileno(), b"\n")


class Stopped(Exception):
    """The main thread gave up on this file (an exception there): the worker stops."""


def check_stop(stop: threading.Event) -> None:
    """Raise :class:`Stopped` in the worker once the main thread has set ``stop``."""
    if stop.is_set():
        raise Stopped


def in_worker(work, progress: Progress | None):
    """Run ``work(stop)`` in a daemon thread while this (main) thread redraws the progress
    line and stays free to handle a signal; return its result or raise its exception.

    If this thread is interrupted (KeyboardInterrupt without the signal handlers), ``stop``
    is set: the worker stops at its next read or write (:func:`check_stop`) and this thread
    unwinds at once.
    """
    outcome: dict = {}
    finished, stop = threading.Event(), threading.Event()

    def target():
        try:
            outcome["result"] = work(stop)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc
        finally:
            finished.set()

    thread = threading.Thread(target=target, name="entropycodec-coder", daemon=True)
    thread.start()
    try:
        while not finished.wait(Progress.INTERVAL):
            if progress is not None:
                progress.tick()
    except BaseException:
        stop.set()
        raise
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
