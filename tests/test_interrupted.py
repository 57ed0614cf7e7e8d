"""A run stopped while it writes (SIGTERM, SIGKILL) leaves the previous outputs as they were.

``profitlens run`` is started as a real process on a company large enough to take a while to
write, stopped as soon as its temporary output folder holds a table, and the previous run's
outputs are then read back: every file byte for byte as before, every table readable.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import profitlens
from profitlens.generate import generate_company
from profitlens.guard.leftovers import remove_leftovers
from profitlens.io.outputs import read_output

pytestmark = pytest.mark.slow
SRC = str(Path(profitlens.__file__).resolve().parent.parent)


def profitlens_run(data: Path, out: Path, as_of: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (SRC, os.environ.get("PYTHONPATH")))),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from profitlens.cli import app; app()",
            "run",
            str(data),
            "--out",
            str(out),
            "--as-of",
            as_of,
            "--no-report",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def temporary_folders(out: Path) -> list[Path]:
    return [p for p in out.parent.glob(f".{out.name}-*") if p.is_dir()]


def stop_while_writing(run: subprocess.Popen, out: Path, how: signal.Signals) -> int:
    """Send ``how`` once the run's temporary folder holds a written file; the exit code."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        if any(any(tmp.glob("*.csv")) for tmp in temporary_folders(out)):
            run.send_signal(how)
            break
        time.sleep(0.005)
    else:
        run.kill()
        pytest.fail(
            f"the run ended or never wrote ({run.returncode}): {run.stderr.read().decode()[-2000:]}"
        )
    return run.wait(timeout=120)


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A company, and the outputs of a finished run of it: every file's bytes."""
    root = tmp_path_factory.mktemp("interrupted")
    data = generate_company(root / "data", customers=800, months=12, seed=4).out_dir
    out = root / "out"
    first = profitlens_run(data, out, "2024-12-31")
    assert first.wait(timeout=600) == 0, first.stderr.read().decode()[-2000:]
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    return data, out, files


@pytest.mark.parametrize("how, code", [(signal.SIGTERM, 143), (signal.SIGKILL, -9)])
def test_a_run_stopped_while_writing_leaves_the_previous_outputs(previous, how, code):
    data, out, before = previous
    # another as-of date: any file of the stopped run that got through would differ
    run = profitlens_run(data, out, "2024-11-30")
    assert stop_while_writing(run, out, how) == code
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    tables = [name.removesuffix(".parquet") for name in before if name.endswith(".parquet")]
    assert len(tables) >= 10
    for name in tables:
        assert len(read_output(out, name).columns) > 0
    if how == signal.SIGTERM:  # caught: the half-written folder is removed
        assert temporary_folders(out) == []
    else:  # cannot be caught: a hidden folder is left, which the next run removes
        left = temporary_folders(out)
        assert len(left) == 1
        assert remove_leftovers(out) == left and temporary_folders(out) == []
