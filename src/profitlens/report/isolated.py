"""Draw the report in a child process, so that nothing the chart renderer does can stop the run.

The charts are drawn by vl-convert, Rust code running inside Python: a panic there aborts the
whole process (a NUL byte in a label once did: ``NonXmlChar('\\0')``, exit code 134), which no
``try`` can catch. :func:`draw_report` therefore runs :func:`~profitlens.report.write_report` in
a fresh Python process (``python -m profitlens.report.isolated FOLDER``) and turns however it
ends (an exception, an abort, a signal) into one sentence for the user; the caller's process and
the tables it wrote are untouched.

The child reads its standard input until it closes: when the run that started it is stopped
(Ctrl-C, SIGTERM, SIGKILL), the pipe closes and the child stops too, rather than writing a
report into a folder a later run may own.

>>> from pathlib import Path
>>> draw_report(Path("out"))        # doctest: +SKIP
'the report was not drawn: ...'
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import profitlens

#: how the child says why it failed: the last line of its standard error starting with this
_FAILED = "report failed: "
#: lines of a Rust panic worth showing the user (the rest is a backtrace)
_PANIC = ("panicked at", "Failed to", "Error")


def draw_report(folder: Path) -> str | None:
    """Write ``report.html`` into output folder ``folder`` in a child process.

    Returns
    -------
    str or None
        None when the report was written; otherwise why not, in one line (and no
        ``report.html`` or temporary file of it is left in ``folder``).
    """
    folder = Path(folder)
    env = dict(os.environ)
    # the child imports this very profitlens, wherever the parent found it
    source = str(Path(profitlens.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (source, env.get("PYTHONPATH"))))
    with subprocess.Popen(
        _command(folder),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as child:
        try:
            stderr = child.stderr.read()  # until the child ends; its stdin stays open
            child.wait()
        except BaseException:  # stopped ourselves: so is the child
            child.kill()
            raise
    if child.returncode == 0:
        return None
    _remove_report(folder)
    return _why(child.returncode, stderr)


def _command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "profitlens.report.isolated", str(folder)]


def _remove_report(folder: Path) -> None:
    """A report of a child that failed is not kept, nor the temporary file an abort left."""
    (folder / "report.html").unlink(missing_ok=True)
    for tmp in folder.glob(".report.html.*.tmp"):
        tmp.unlink(missing_ok=True)


def _why(code: int, stderr: str) -> str:
    """One line on how the child ended, from its exit code and standard error."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line[len(_FAILED) :] for line in lines if line.startswith(_FAILED)]
    if said:
        return said[-1]
    how = (
        f"the chart renderer's process stopped with {_signal_name(-code)}"
        if code < 0
        else f"the chart renderer's process exited with code {code}"
    )
    detail = [line for line in lines if any(word in line for word in _PANIC)][:2]
    return how + (f" ({' '.join(detail)[:300]})" if detail else "")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _stop_when_parent_goes() -> None:
    """Exit at once when standard input closes: the parent keeps it open until we end, so a
    close means the run that started us is gone."""

    def watch() -> None:
        sys.stdin.read()
        os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str]) -> int:
    """Child process: write the report of output folder ``argv[0]``; exit code 1 and one line
    ``report failed: ...`` on standard error when it cannot be drawn."""
    from ..report import write_report

    _stop_when_parent_goes()
    try:
        write_report(Path(argv[0]))
    except Exception as exc:  # noqa: BLE001 - any failure of the report, named to the user
        print(f"{_FAILED}{type(exc).__name__}: {exc}".replace("\n", " "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
