"""The referral graph: who brought whom, and how deep the chains run.

Each customer is referred at most once (``referrals`` is keyed on ``referred_id``), so the
graph is a forest of parent pointers, referred -> referrer. A self-referral or a cycle (A
brought B, B brought A) cannot be true; :func:`cyclic_referred` finds the rows on a cycle, for
staging to quarantine. :func:`referral_chains` then walks the valid forest.

Examples
--------
>>> import numpy as np
>>> cyclic_referred(np.array(["A", "B", "A", "D"]), np.array(["B", "A", "C", "D"])).tolist()
['A', 'B', 'D']
>>> chains = referral_chains(["A", "B", "C"], ["B", "C", "D"])
>>> columns = ["root_id", "depth", "chain_referrals"]
>>> chains.set_index("customer_id").loc[["A", "C"], columns]  # doctest: +NORMALIZE_WHITESPACE
            root_id  depth  chain_referrals
customer_id
A                 A      0                3
C                 A      2                1
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

CHAIN_COLUMNS = (
    "customer_id",
    "referrer_id",
    "root_id",
    "depth",
    "direct_referrals",
    "chain_referrals",
)


def _parents(referrer: Sequence, referred: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """The nodes (sorted ids) and each node's parent position (-1 for none)."""
    referrer, referred = np.asarray(referrer, dtype=object), np.asarray(referred, dtype=object)
    nodes = np.unique(np.concatenate([referrer, referred]).astype(str))
    parent = np.full(nodes.size, -1, np.int64)
    parent[np.searchsorted(nodes, referred.astype(str))] = np.searchsorted(
        nodes, referrer.astype(str)
    )
    return nodes, parent


def cyclic_referred(referrer: Sequence, referred: Sequence) -> np.ndarray:
    """The referred ids whose referral row lies on a cycle of the graph (self-referrals too).

    Parameters
    ----------
    referrer, referred : sequences of str
        One referral per row; each referred id appears at most once.

    Returns
    -------
    ndarray of str
        Sorted; empty when the graph is a forest.

    Notes
    -----
    In a graph where every node has at most one parent, the nodes on no cycle are found by
    peeling: a node that is no one's parent among the remaining nodes is removed, repeatedly.
    What remains lies on a cycle (a node hanging below a cycle is peeled away).
    """
    nodes, parent = _parents(referrer, referred)
    alive = np.ones(nodes.size, bool)
    while True:
        has = alive & (parent >= 0)
        children = np.bincount(parent[has], minlength=nodes.size)
        orphan = (parent < 0) | ~alive[np.maximum(parent, 0)]
        leaves = alive & ((children == 0) | orphan)
        if not leaves.any():
            break
        alive &= ~leaves
    return nodes[alive]


def referral_chains(referrer: Sequence, referred: Sequence) -> pd.DataFrame:
    """Every customer of the (acyclic) referral graph with its place in its chain.

    Parameters
    ----------
    referrer, referred : sequences of str
        The valid referral rows (no cycles: see :func:`cyclic_referred`).

    Returns
    -------
    DataFrame
        One row per customer that referred or was referred: customer_id, referrer_id (None
        for a chain's first customer), root_id (the first customer of its chain), depth
        (referrals between it and the root: 0 for the root), direct_referrals (customers it
        brought), chain_referrals (customers it brought, directly or through those it
        brought, at any depth).
    """
    nodes, parent = _parents(referrer, referred)
    n = nodes.size
    root, depth = np.arange(n), np.zeros(n, np.int64)
    step = parent.copy()
    while (moving := step >= 0).any():  # climb one level at a time
        root[moving] = step[moving]
        depth[moving] += 1
        step[moving] = parent[step[moving]]
    has = parent >= 0
    direct = np.bincount(parent[has], minlength=n)
    chain = np.zeros(n, np.int64)
    for level in range(int(depth.max(initial=0)), 0, -1):  # deepest first, add up the tree
        at = np.flatnonzero(depth == level)
        np.add.at(chain, parent[at], chain[at] + 1)
    referrer_id = [str(nodes[p]) if p >= 0 else None for p in parent]
    return pd.DataFrame(
        {
            "customer_id": nodes,
            "referrer_id": referrer_id,
            "root_id": nodes[root],
            "depth": depth,
            "direct_referrals": direct,
            "chain_referrals": chain,
        }
    )
