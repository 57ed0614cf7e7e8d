"""The unfinished output folder of a killed run is removed by the next run, and only that."""

from __future__ import annotations

import os

from profitlens.guard.leftovers import claim, release, remove_leftovers


def test_only_the_unfinished_folders_of_runs_that_are_gone_are_removed(tmp_path):
    out = tmp_path / "out"
    killed, writing, done = (tmp_path / f".out-{n}" for n in ("k1", "w2", "d3"))
    users = tmp_path / ".out-notes"  # the user's: not marked, never removed
    for folder in (killed, writing, done, users):
        folder.mkdir()
    os.close(claim(killed))  # what the system does when a run is killed
    lock = claim(writing)  # a run still writing holds its lock
    release(done, claim(done))  # complete, about to be swapped in
    assert remove_leftovers(out) == [killed]
    assert not killed.exists() and writing.is_dir() and done.is_dir() and users.is_dir()
    release(writing, lock)
    assert remove_leftovers(out) == []
