"""SIGTERM ends a run with exit code 143, whatever exception the signal turned into on its way."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import profitlens

SRC = str(Path(profitlens.__file__).resolve().parent.parent)
CHILD = f"""
import sys, time
sys.path.insert(0, {SRC!r})
from profitlens.guard.stop import terminated_as_exit
with terminated_as_exit():
    try:
        print("ready", flush=True)
        time.sleep(60)
    except SystemExit:
        raise RuntimeError("interrupted")    # what DuckDB does to it during a query
"""


def test_sigterm_exits_143_even_when_a_library_converts_the_exception():
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout.readline() == b"ready\n"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 143
    assert b"Traceback" not in child.stderr.read()
