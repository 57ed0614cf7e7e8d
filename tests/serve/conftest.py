"""Fixtures of the dashboard's tests: the worked example's outputs, an app, a live server."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from contract_checks import TINY
from fastapi.testclient import TestClient

from profitlens.pipeline.stages import run
from profitlens.serve import create_app

AS_OF = dt.date(2026, 3, 31)


@pytest.fixture(scope="session")
def tiny_out(tmp_path_factory) -> Path:
    """The outputs of the worked example (DuckDB file, Parquet and CSV), written once."""
    out = tmp_path_factory.mktemp("serve") / "out"
    run(TINY, out, as_of=AS_OF)
    return out


@pytest.fixture(scope="session")
def client(tiny_out) -> TestClient:
    return TestClient(create_app(tiny_out), raise_server_exceptions=False)


@pytest.fixture(scope="session")
def live_server(tiny_out):
    """The dashboard over the worked example, served by uvicorn on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(tiny_out), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the dashboard's server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
