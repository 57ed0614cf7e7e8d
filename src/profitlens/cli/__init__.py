"""The ``profitlens`` command: a thin layer over the library, one module per subcommand."""
from __future__ import annotations

from .app import app, user_errors
from . import run as _run  # noqa: F401  (registers `run`)
from .clv import clv
from .credit import credit
from .generate import generate
from .serve import serve
from .trends import trends

for _command in (generate, trends, credit, clv, serve):
    app.command()(user_errors(_command))

__all__ = ["app"]
