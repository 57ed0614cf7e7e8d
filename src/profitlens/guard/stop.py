"""SIGTERM as an exception, so a stopped run cleans up after itself.

Python's default for SIGTERM (what ``kill``, a scheduler or a container stop sends) ends the
process on the spot: the half-written output folder beside ``--out`` stays on disk. Within
:func:`terminated_as_exit` it raises :class:`SystemExit` instead, so the ``except``/``finally``
blocks run: :func:`profitlens.io.outputs.write_outputs` removes its temporary folder and the
report's child process is stopped. The previous outputs are untouched either way; a SIGKILL,
which no process can catch, leaves the temporary folder (a hidden ``.OUT-…`` folder beside
``--out``), which the next run into ``--out`` removes (:mod:`.leftovers`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: the exit code of a process ended by SIGTERM, as shells report it
EXIT_CODE = 128 + signal.SIGTERM


@contextmanager
def terminated_as_exit() -> Iterator[None]:
    """Within the block, SIGTERM raises ``SystemExit(143)`` in the main thread.

    Outside the main thread (where signal handlers cannot be set) it does nothing.

    >>> with terminated_as_exit():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    stopped = []

    def stop(_signum, _frame):
        stopped.append(True)
        raise SystemExit(EXIT_CODE)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except BaseException:
        # DuckDB turns an exception raised by a signal handler during a query into its own
        # InterruptException: stopped is stopped, whatever the exception that got here
        if stopped:
            raise SystemExit(EXIT_CODE) from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
