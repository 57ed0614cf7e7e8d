"""The Typer application and the one place user errors become messages and exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer
from rich.console import Console

from ..errors import ProfitlensError

app = typer.Typer(
    name="profitlens",
    no_args_is_help=True,
    add_completion=False,
    help="Which customers make money once every cost of winning and serving them is counted.",
)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)
USER_ERROR = 2


def user_errors(command: Callable) -> Callable:
    """Turn a :class:`ProfitlensError` into one clear message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ProfitlensError as exc:
            # soft_wrap: the terminal wraps the line, Rich inserts no line breaks, so a path
            # in the message stays whole to copy, whatever the console's width
            errors.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
            raise typer.Exit(USER_ERROR) from None

    return wrapper


@app.callback()
def main() -> None:
    """Which customers make money once every cost of winning and serving them is counted.

    Start with: profitlens run DATA_DIR --out OUT_DIR
    """
