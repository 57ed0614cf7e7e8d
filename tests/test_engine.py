"""DuckDB connections: memory limit and a spill folder of their own."""

from __future__ import annotations

from pathlib import Path

from profitlens.engine import connect


def _setting(con, name: str) -> str:
    return con.con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_each_connection_spills_to_a_new_folder_of_its_own(tmp_path):
    # DuckDB names spill files alike in every process and deletes all of them on closing, so
    # two runs sharing a spill folder corrupt each other's data
    first = Path(_setting(connect(temp_directory=str(tmp_path)), "temp_directory"))
    second = Path(_setting(connect(temp_directory=str(tmp_path)), "temp_directory"))
    assert first != second
    for folder in (first, second):
        assert folder.parent == tmp_path and folder.is_dir() and not any(folder.iterdir())


def test_memory_limit_is_applied_and_spilling_works(tmp_path):
    con = connect(memory_limit="100MB", temp_directory=str(tmp_path))
    assert _setting(con, "memory_limit") in ("95.3 MiB", "100.0 MB", "100MB")
    # a sort of ~200 MB of data must spill rather than fail
    total = con.con.execute(
        "SELECT sum(x) FROM (SELECT range AS x, random() AS r FROM range(12000000) ORDER BY r)"
    ).fetchone()[0]
    assert total == 12000000 * 11999999 // 2


def test_default_memory_limit_caps_duckdb_below_the_machine(monkeypatch):
    from profitlens.engine import backends as engine

    monkeypatch.delenv("PROFITLENS_MEMORY_LIMIT", raising=False)
    assert engine.default_memory_limit() in ("3.5GB", *(f"{x / 10:.1f}GB" for x in range(35)))
    monkeypatch.setattr(
        engine.os, "sysconf", lambda name: {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 2**20}[name]
    )
    assert engine.default_memory_limit() == "2.4GB"  # 60% of a 4 GB machine
    monkeypatch.setenv("PROFITLENS_MEMORY_LIMIT", "1GB")
    assert _setting(connect(), "memory_limit") in ("953.6 MiB", "1.0 GB")
