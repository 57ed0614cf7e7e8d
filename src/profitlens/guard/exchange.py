"""Swap two folders in one step, so an output folder is never missing, even for an instant.

Replacing ``out`` by a new folder with two renames (``out`` aside, the new one in) leaves a
moment with no ``out`` at all: a run killed there leaves the user with no outputs in the place
they look. Linux swaps two paths atomically (``renameat2`` with ``RENAME_EXCHANGE``, Linux 3.15
and glibc 2.28); elsewhere, or on a file system that cannot, the two renames are used.
"""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    return function


_RENAMEAT2 = _renameat2()


def exchange(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target`` and what was at ``target`` at ``new``, atomically
    where the system can (both must exist).

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "a").mkdir(); (root / "b").mkdir(); (root / "a" / "x").touch()
    >>> exchange(root / "a", root / "b")
    >>> sorted(p.name for p in (root / "b").iterdir()), list((root / "a").iterdir())
    (['x'], [])
    """
    if _RENAMEAT2 is not None:
        if (
            _RENAMEAT2(
                _AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE
            )
            == 0
        ):
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(target))
    aside = target.with_name(f".{target.name}-old")
    target.rename(aside)
    new.rename(target)
    aside.rename(new)
