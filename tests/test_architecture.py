"""The package reads as the pipeline it is: layers kept, no import cycle, small modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

import profitlens

PACKAGE = Path(profitlens.__file__).parent
MAX_LINES = 425  # "about 400": the formatter puts a long declaration one item a line


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components of a directed graph, those of two or more nodes.

    >>> sorted(map(sorted, strongly_connected({"a": {"b"}, "b": {"a", "c"}, "c": set()})))
    [['a', 'b']]
    """
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back():
    # grimp counts imports inside functions too: a cycle hidden behind a lazy import is found
    graph = grimp.build_graph("profitlens")
    imports = {
        m: {i for i in graph.find_modules_directly_imported_by(m) if i != m} for m in graph.modules
    }
    # a package's __init__ re-exporting its own modules is not a cycle of the code
    imports = {
        m: {i for i in targets if not i.startswith(m + ".")} for m, targets in imports.items()
    }
    assert strongly_connected(imports) == []


def test_the_layers_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(PACKAGE.parents[1] / "pyproject.toml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_no_module_is_much_over_400_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
