"""``profitlens serve``: explore a run's outputs in a browser, and the same data as JSON."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from .app import console


def serve(
    out_dir: Path = typer.Argument(..., help="Output folder of `profitlens run`."),
    host: str = typer.Option(
        "127.0.0.1",
        help="Address to listen on. Anything but the loopback "
        "address needs PROFITLENS_TOKEN (clients send 'Authorization: "
        "Bearer TOKEN').",
    ),
    port: int = typer.Option(8765, help="Port to listen on."),
) -> None:
    """Serve a run's outputs read-only: portfolio, customers, one customer with the trace of
    every cost, prospects, data quality; the JSON API under /api.

    Example: profitlens serve ./out   (then open http://127.0.0.1:8765)
    """
    import uvicorn  # the web stack loads only for this command

    from ..serve import create_app, required_token

    token = required_token(host, os.environ.get("PROFITLENS_TOKEN") or None)
    app = create_app(out_dir, token=token, warm=True)
    where = f"http://{host}:{port}"
    console.print(f"Serving {out_dir} at {where}" + (" (token required)" if token else ""))
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
