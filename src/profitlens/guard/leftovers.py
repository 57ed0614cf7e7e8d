"""The half-written output folders of runs that were killed, found and removed by the next run.

Outputs are written to a hidden folder beside ``--out`` (``.OUT-xxxxxxxx``) and swapped in when
complete. A run killed with SIGKILL (the kernel's out-of-memory killer sends it) cannot remove
its folder, and at a million customers it holds gigabytes. So each run marks its folder and
holds a lock on it (``flock``, released by the system when the process ends, however it ends);
the next run into the same ``--out`` removes every marked folder whose lock it can take: its run
is gone. A folder of a run still going is locked and left alone; a folder without the mark is
never touched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: folders are left as before
    fcntl = None

#: the file marking a folder as the unfinished outputs of a run
MARK = ".profitlens-unfinished"


def claim(folder: Path) -> int | None:
    """Mark ``folder`` as a run's unfinished outputs and lock it for this process; the lock's
    file descriptor (None where locks are not available). :func:`release` before the swap."""
    fd = None
    if fcntl is not None:
        fd = os.open(folder, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)  # locked before marked: never marked and free
    (folder / MARK).touch()
    return fd


def release(folder: Path, fd: int | None) -> None:
    """Unmark ``folder`` (its outputs are complete) and let go of the lock."""
    (folder / MARK).unlink(missing_ok=True)
    if fd is not None:
        os.close(fd)


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Remove the marked folders beside ``out_dir`` whose run is gone; the folders removed."""
    removed = []
    if fcntl is None:
        return removed
    for folder in out_dir.parent.glob(f".{out_dir.name}-*"):
        if not (folder / MARK).is_file():
            continue
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its run is still writing
            os.close(fd)
            continue
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)
        removed.append(folder)
    return removed
