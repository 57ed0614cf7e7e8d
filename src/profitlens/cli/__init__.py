"""The ``profitlens`` command: a thin layer over the library, one module per subcommand."""

from __future__ import annotations

from . import run as _run  # noqa: F401  (registers `run`)
from .app import app, user_errors
from .clv import clv
from .credit import credit
from .decisions import decisions
from .generate import generate
from .importer import import_, init
from .prospects import prospects
from .serve import serve
from .trends import trends
from .whatif import whatif

for _command in (generate, trends, credit, clv, prospects, decisions, whatif, serve):
    app.command()(user_errors(_command))
app.command("import")(user_errors(import_))
app.command()(user_errors(init))

__all__ = ["app"]
