"""The HTML report: one self-contained page on the outputs of ``profitlens run``.

>>> from pathlib import Path
>>> from profitlens.report import write_report
>>> write_report(Path("out"))            # doctest: +SKIP
PosixPath('out/report.html')

The page needs nothing but a browser: charts are inline SVG rendered offline with Altair and
vl-convert, the style sheet is inline, there is no script and no external reference.
Sections are registered in :mod:`profitlens.report.sections`; a section whose output table is
absent from the folder is left out.
"""

from __future__ import annotations

import os
from pathlib import Path

from .page import render_report
from .sections import ReportContext, Section, register

__all__ = ["write_report", "render_report", "register", "ReportContext", "Section"]


def write_report(out_dir: Path, path: Path | None = None) -> Path:
    """Write the report on the run in ``out_dir`` and return its path.

    Parameters
    ----------
    out_dir : Path
        Folder written by ``profitlens run --out``.
    path : Path, optional
        Where to write the HTML file; default ``out_dir / "report.html"``.

    Raises
    ------
    ProfitlensError
        When ``out_dir`` is not the output folder of a run.
    """
    out_dir = Path(out_dir)
    target = Path(path) if path is not None else out_dir / "report.html"
    html = render_report(out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
