"""The ``profitlens`` command: a thin layer over the library, one module per subcommand."""
from __future__ import annotations

from .app import app
from . import run as _run  # noqa: F401  (registers the command)

__all__ = ["app"]
