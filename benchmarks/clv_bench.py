"""BG/NBD + Gamma-Gamma on a million customers: profitlens vs lifetimes, side by side.

What is timed, for each implementation, on the same data: fitting BG/NBD, fitting Gamma-Gamma
on the repeat buyers, and three predictions for every customer (P(alive), expected purchases in
the next 52 weeks, expected value per purchase). Peak memory is the process's maximum resident
set size. Each implementation runs in its own fresh process.

The data: BG/NBD customers simulated (profitlens's own simulator) with the CDNOW parameters
(r = 0.243, alpha = 4.414, a = 0.793, b = 2.426), first purchases spread over two years, times
in whole days expressed in weeks (as real data are); repeat-purchase values from Gamma-Gamma
(p = 6.25, q = 3.74, gamma = 15.44), rounded to cents.

lifetimes is never a dependency of profitlens: it lives in its own virtualenv, which
``--setup`` creates (``python -m venv benchmarks/.venv-lifetimes`` and
``pip install lifetimes`` in it). Usage::

    .venv/bin/python benchmarks/clv_bench.py --setup      # once: the lifetimes virtualenv
    .venv/bin/python benchmarks/clv_bench.py              # 1,000,000 customers
    .venv/bin/python benchmarks/clv_bench.py --n 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
LIFETIMES_VENV = HERE / ".venv-lifetimes"
CACHE = HERE / "work" / "clv"  # git-ignored
TRUTH_BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
TRUTH_GG = dict(p=6.25, q=3.74, gamma=15.44)
HORIZON = 52.0


def make_data(n: int, seed: int) -> Path:
    """Simulate the customers once and cache them (both implementations read this file)."""
    path = CACHE / f"clv_{n}_{seed}.npz"
    if path.exists():
        return path
    sys.path.insert(0, str(HERE.parent / "src"))
    from profitlens.models import BGNBD, GammaGamma

    rng = np.random.default_rng(seed)
    T_days = rng.integers(1, 731, n)
    sim = BGNBD().set_params_(**TRUTH_BG).simulate(T_days / 7.0, random_state=rng)
    recency = np.floor(sim["recency"] * 7.0) / 7.0  # whole days
    x = sim["frequency"]
    m = GammaGamma().set_params_(**TRUTH_GG).simulate(x, random_state=rng)
    m = np.where(x > 0, np.round(m, 2), 0.0)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, frequency=x, recency=recency, T=T_days / 7.0, monetary=m)
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_profitlens(path: Path) -> dict:
    sys.path.insert(0, str(HERE.parent / "src"))
    from profitlens.models import BGNBD, GammaGamma

    d = np.load(path)
    x, t_x, T, m = d["frequency"], d["recency"], d["T"], d["monetary"]
    t0 = time.perf_counter()
    bg = BGNBD().fit(x, t_x, T)
    gg = GammaGamma().fit(x, m)
    t1 = time.perf_counter()
    p_alive, expected = bg.predict(HORIZON, x, t_x, T)
    value = gg.conditional_expected_value(x, m)
    t2 = time.perf_counter()
    return {
        "impl": "profitlens",
        "fit_s": t1 - t0,
        "predict_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_mb": _peak_mb(),
        "bg": bg.params_,
        "gg": gg.params_,
        "bg_ll": bg.log_likelihood_,
        "check": _checks(p_alive, expected, value),
    }


def run_lifetimes(path: Path) -> dict:
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    d = np.load(path)
    x, t_x, T, m = (pd.Series(d[k]) for k in ("frequency", "recency", "T", "monetary"))
    t0 = time.perf_counter()
    bg = BetaGeoFitter().fit(x, t_x, T)
    rep = x > 0
    gg = GammaGammaFitter().fit(x[rep], m[rep])
    t1 = time.perf_counter()
    p_alive = np.asarray(bg.conditional_probability_alive(x, t_x, T))
    expected = np.asarray(
        bg.conditional_expected_number_of_purchases_up_to_time(HORIZON, x, t_x, T)
    )
    value = np.asarray(gg.conditional_expected_average_profit(x, m.where(rep, 0.0)))
    t2 = time.perf_counter()
    gg_params = {"p": gg.params_["p"], "q": gg.params_["q"], "gamma": gg.params_["v"]}
    return {
        "impl": "lifetimes",
        "fit_s": t1 - t0,
        "predict_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_mb": _peak_mb(),
        "bg": {k: float(v) for k, v in bg.params_.items()},
        "gg": {k: float(v) for k, v in gg_params.items()},
        # lifetimes fits on rescaled times; its own likelihood function on the original data:
        "bg_ll": float(
            -len(x)
            * BetaGeoFitter._negative_log_likelihood(
                np.log(bg.params_[["r", "alpha", "a", "b"]].to_numpy(float)),
                x.to_numpy(),
                t_x.to_numpy(),
                T.to_numpy(),
                np.ones(len(x)),
                0.0,
            )
        ),
        "check": _checks(p_alive, expected, value),
    }


def _checks(p_alive, expected, value) -> dict:
    return {
        "sum_p_alive": float(np.sum(p_alive)),
        "sum_expected_52w": float(np.sum(expected)),
        "sum_value": float(np.sum(value)),
    }


def _child(impl: str, path: Path) -> dict:
    python = sys.executable if impl == "profitlens" else str(LIFETIMES_VENV / "bin" / "python")
    out = subprocess.run(
        [python, __file__, "--child", impl, "--data", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{impl} run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sig(v: float, digits: int = 4) -> str:
    return f"{v:.{digits}g}"


def report(results: list[dict], n: int) -> str:
    lines = [
        f"customers: {n:,}",
        "",
        "| implementation | fit (s) | predictions (s) | total (s) | peak memory (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['impl']} | {r['fit_s']:.2f} | {r['predict_s']:.2f} | "
            f"{r['total_s']:.2f} | {r['peak_mb']:.0f} |"
        )
    lines += [
        "",
        "| parameter | truth | " + " | ".join(r["impl"] for r in results) + " |",
        "|---|---:|" + "---:|" * len(results),
    ]
    truth = {**TRUTH_BG, **TRUTH_GG}
    for group in ("bg", "gg"):
        for k in results[0][group]:
            lines.append(
                f"| {k} | {truth[k]} | " + " | ".join(_sig(r[group][k], 6) for r in results) + " |"
            )
    lines.append(
        "| BG/NBD log-likelihood | | " + " | ".join(f"{r['bg_ll']:.2f}" for r in results) + " |"
    )
    for k in results[0]["check"]:
        lines.append(f"| {k} | | " + " | ".join(f"{r['check'][k]:.6g}" for r in results) + " |")
    if len(results) == 2:
        a, b = results
        same = all(_sig(a[g][k]) == _sig(b[g][k]) for g in ("bg", "gg") for k in a[g])
        lines += [
            "",
            f"same parameters to 4 significant digits: {'yes' if same else 'NO'}",
            f"speed-up (total): {b['total_s'] / a['total_s']:.1f}x",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="BG/NBD + Gamma-Gamma: profitlens vs lifetimes")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--setup", action="store_true", help="create the lifetimes virtualenv")
    parser.add_argument("--no-lifetimes", action="store_true")
    parser.add_argument("--child", choices=["profitlens", "lifetimes"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = run_profitlens if args.child == "profitlens" else run_lifetimes
        print(json.dumps(run(args.data)))
        return
    if args.setup:
        subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_VENV)], check=True)
        subprocess.run([str(LIFETIMES_VENV / "bin" / "pip"), "install", "lifetimes"], check=True)
        return
    path = make_data(args.n, args.seed)
    results = [_child("profitlens", path)]
    if not args.no_lifetimes:
        if not (LIFETIMES_VENV / "bin" / "python").exists():
            raise SystemExit("no lifetimes virtualenv: run with --setup first (or --no-lifetimes)")
        results.append(_child("lifetimes", path))
    print(report(results, args.n))


if __name__ == "__main__":
    main()
