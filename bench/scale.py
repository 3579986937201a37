"""Scale: clustering time and peak memory up to 100,000 articles, exact against approximate, and the Ray engine's
overhead.

Run: python bench/scale.py [--sizes 5000,20000,100000] [--exact-up-to 5000] [--ray-articles 500] [--skip-ray]
     python bench/scale.py --only-ray [--ray-articles 500]
     python bench/scale.py --ann [--ann-n 100000]      # the nearest-neighbour libraries side by side

1. Clustering at each size on synthetic story vectors (bench/synthetic.py says how they are made): the vectors
   and texts are written to a temp dir, then each path runs in a fresh subprocess that loads them and calls
   `cluster.group_features` (names and numbers are read from the texts, as for real articles). Printed: wall
   seconds, CPU seconds, peak RSS of that subprocess (inputs and interpreter included), clusters, and B-cubed F1
   against the synthetic stories. The exact path runs only up to --exact-up-to articles: its n x n float64
   matrices need ~0.04 GB x (n/1000)^2 (1.0 GB measured at 5,000; ~16 GB at 20,000), more than this shared
   machine has to spare.
2. B-cubed F1 of both paths on the dev mix of bench/cluster.py (NTREX en/pt/ru + 80 Multi-News rows), the
   approximate one forced on (exact_max = 0).
3. The Ray engine against the local engine on a 500-article day (bench/speed.py's generated day: a third
   Portuguese or Russian), each `summarise brief` in a subprocess with a fresh store; the Ray one starts a local
   Ray runtime on this machine. Translation uses tiny random Marian models (tests/tiny_models.py), so the day's
   work is small and the ratio shows Ray's fixed cost (start, scheduling, a model load per actor) at its largest.
--ann: build and query time (wall and CPU), recall of the true neighbours above the cosine floor among the 32
   asked for, and peak RSS, for usearch, faiss-cpu and hnswlib with the same HNSW parameters (summarise/ann.py).

Ends with `RESULT rss_100k_mb=… growth_20k_100k=… f1_exact=… f1_approx=… ray_overhead=…`.
The machine is shared and noisy: figures are from one run; CPU seconds are steadier than wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(argv: list[str]) -> dict:
    """Run this script with `argv` in a fresh interpreter; its last stdout line is a JSON object."""
    run = subprocess.run([sys.executable, __file__, *argv], cwd=ROOT, capture_output=True, text=True)
    if run.returncode:
        sys.exit(f"{' '.join(argv)} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


# --- 1. clustering at scale ---------------------------------------------------------------------------------

def write_inputs(n: int, folder: Path) -> Path:
    """Synthetic vectors, texts and labels for `n` articles, saved under `folder`."""
    import numpy as np
    import synthetic

    vectors, texts, labels = synthetic.stories(n, seed=n)
    path = folder / f"synthetic-{n}"
    np.save(f"{path}.npy", vectors)
    Path(f"{path}.json").write_text(json.dumps({"texts": texts, "labels": labels.tolist()}), encoding="utf-8")
    return path


def cluster_once(path: str, exact: bool) -> dict:
    """(In a child) load the inputs, cluster them by one path, and measure."""
    import cluster as bench_cluster
    import numpy as np

    from summarise.cluster import group_features
    from summarise.config import Settings

    vectors = np.load(f"{path}.npy")
    data = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
    texts, labels = data["texts"], [str(x) for x in data["labels"]]
    del data
    loaded = _peak_mb()
    wall, cpu = time.perf_counter(), _cpu()
    groups = group_features(vectors, texts, Settings().cluster_threshold, exact_max=len(texts) if exact else 0)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    f1 = bench_cluster.bcubed(groups, labels)[2]
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": _peak_mb(), "inputs_rss_mb": loaded,
            "clusters": len(groups), "f1": f1}


def scale(sizes: list[int], exact_up_to: int) -> dict[tuple[int, str], dict]:
    """Print and return the clustering figures per (size, path)."""
    results: dict[tuple[int, str], dict] = {}
    print("articles  path         wall_s   cpu_s  peak_rss_mb  (inputs)  clusters  bcubed_f1")
    with tempfile.TemporaryDirectory(prefix="summarise-scale-") as tmp:
        for n in sizes:
            path = write_inputs(n, Path(tmp))
            for name in ("exact", "approximate"):
                if name == "exact" and n > exact_up_to:
                    gb = 0.04 * (n / 1000) ** 2  # measured: ~1.0 GB at 5,000
                    print(f"{n:8d}  {name:<11}  not run: ~{gb:.0f} GB of n x n matrices (--exact-up-to {exact_up_to})")
                    continue
                r = _child(["--one", str(path), name])
                results[(n, name)] = r
                print(f"{n:8d}  {name:<11} {r['wall_s']:7.1f} {r['cpu_s']:7.1f}  {r['peak_rss_mb']:11.0f}  "
                      f"({r['inputs_rss_mb']:.0f})  {r['clusters']:8d}  {r['f1']:.4f}", flush=True)
    return results


# --- 2. F1 on the dev mix -----------------------------------------------------------------------------------

def dev_mix_f1() -> tuple[float, float]:
    """B-cubed F1 of the exact and the approximate path on bench/cluster.py's default mix."""
    import cluster as bench_cluster

    from summarise.cluster import group_features, represent
    from summarise.config import Settings

    n_docs, n_gold = bench_cluster.ntrex()
    m_docs, m_gold = bench_cluster.multinews(bench_cluster.multinews_rows(80, "tune"))
    docs, gold = n_docs + m_docs, n_gold + m_gold
    vectors = represent(docs)
    texts = [f"{d.article.title}\n{d.article.text}" for d in docs]
    exact = group_features(vectors, texts, Settings().cluster_threshold, exact_max=len(docs))
    approx = group_features(vectors, texts, Settings().cluster_threshold, exact_max=0)
    f_exact, f_approx = bench_cluster.bcubed(exact, gold)[2], bench_cluster.bcubed(approx, gold)[2]
    same = sorted(map(tuple, exact)) == sorted(map(tuple, approx))
    print(f"\ndev mix ({len(docs)} articles, {len(set(gold))} stories): B-cubed F1 exact {f_exact:.4f}  "
          f"approximate {f_approx:.4f}  (identical clusters: {same})")
    return f_exact, f_approx


# --- 3. the Ray engine's overhead ---------------------------------------------------------------------------

def ray_overhead(articles: int) -> float:
    """Seconds of the local and the Ray engine on a generated day; prints both and returns their ratio."""
    import speed

    from tests.tiny_models import build_tiny_marian

    with tempfile.TemporaryDirectory(prefix="summarise-ray-") as tmp:
        work = Path(tmp)
        counts = speed.generate_day(work / "day", articles)
        model = build_tiny_marian(work / "tiny-marian")
        config = work / "summarise.toml"
        config.write_text(f"[models]\nru = {json.dumps(str(model))}\npt = {json.dumps(str(model))}\n",
                          encoding="utf-8")
        env = {**os.environ, "SUMMARISE_CONFIG": str(config), "SUMMARISE_CACHE_DIR": str(work / "cache"),
               "HF_HUB_OFFLINE": "1"}
        env.pop("SUMMARISE_STORE", None)
        print(f"\n{sum(counts.values())}-article day (en {counts['en']}, pt {counts['pt']}, ru {counts['ru']}), "
              "tiny Marian models, fresh store each run:")
        seconds = {}
        for engine in ("local", "ray"):
            command = [sys.executable, "-m", "summarise.cli", "brief", str(work / "day"), "--out",
                       str(work / f"out-{engine}"), "-q", "--date", "2025-06-12", "--engine", engine]
            started = time.perf_counter()
            run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            seconds[engine] = time.perf_counter() - started
            if run.returncode not in (0, 3):
                sys.exit(f"--engine {engine} failed ({run.returncode}):\n{run.stderr[-3000:]}")
            print(f"  {engine:<5}  {seconds[engine]:6.1f} s", flush=True)
        same = all((work / f"out-{e}" / "2025-06-12" / "briefing.json").read_bytes() ==
                   (work / "out-local" / "2025-06-12" / "briefing.json").read_bytes() for e in ("ray",))
        ratio = seconds["ray"] / seconds["local"]
        print(f"  ray/local {ratio:.2f} ({seconds['ray'] - seconds['local']:+.1f} s); briefing.json identical: {same}")
        return ratio


# --- --ann: the libraries side by side ---------------------------------------------------------------------

def ann_once(path: str, library: str) -> dict:
    """(In a child) build and query one library's index over the inputs; recall on 500 queries."""
    import numpy as np

    from summarise import ann
    from summarise.cluster import NEIGHBOURS, cosine_floor
    from summarise.config import Settings

    vectors = np.load(f"{path}.npy")
    floor = cosine_floor(Settings().cluster_threshold)
    loaded = _peak_mb()
    wall, cpu = time.perf_counter(), _cpu()
    index = ann.build(vectors, library)
    build = (time.perf_counter() - wall, _cpu() - cpu)
    wall, cpu = time.perf_counter(), _cpu()
    keys, _ = ann.search(index, vectors, NEIGHBOURS)
    query = (time.perf_counter() - wall, _cpu() - cpu)
    peak = _peak_mb()
    rng = np.random.default_rng(5)
    found = total = 0
    for i in rng.choice(len(vectors), 500, replace=False):
        cosine = vectors @ vectors[i]
        true = {int(j) for j in np.argsort(-cosine)[:NEIGHBOURS] if cosine[j] >= floor}
        total += len(true)
        found += len(true & {int(j) for j in keys[i]})
    return {"build_wall_s": build[0], "build_cpu_s": build[1], "query_wall_s": query[0], "query_cpu_s": query[1],
            "recall": found / total, "index_rss_mb": peak - loaded}


def compare_ann(n: int) -> None:
    """Print the three libraries' figures on `n` synthetic articles."""
    print(f"{n} synthetic articles, HNSW M=16, efConstruction=100, 32 neighbours per article, 2 threads")
    print("library   build_wall_s  build_cpu_s  query_wall_s  query_cpu_s  recall  index_rss_mb")
    with tempfile.TemporaryDirectory(prefix="summarise-ann-") as tmp:
        path = write_inputs(n, Path(tmp))
        for library in ("usearch", "faiss", "hnswlib"):
            r = _child(["--ann-one", str(path), library])
            print(f"{library:<9} {r['build_wall_s']:12.1f} {r['build_cpu_s']:12.1f} {r['query_wall_s']:13.1f} "
                  f"{r['query_cpu_s']:12.1f}  {r['recall']:.4f}  {r['index_rss_mb']:12.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5000,20000,100000")
    parser.add_argument("--exact-up-to", type=int, default=5000)
    parser.add_argument("--ray-articles", type=int, default=500)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--only-ray", action="store_true", help="only the Ray engine's overhead")
    parser.add_argument("--ann", action="store_true")
    parser.add_argument("--ann-n", type=int, default=100000)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--ann-one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(cluster_once(args.one[0], args.one[1] == "exact")))
        return
    if args.ann_one:
        print(json.dumps(ann_once(*args.ann_one)))
        return
    if args.ann:
        compare_ann(args.ann_n)
        return
    if args.only_ray:
        print(f"RESULT ray_overhead={ray_overhead(args.ray_articles):.2f}")
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results = scale(sizes, args.exact_up_to)
    f_exact, f_approx = dev_mix_f1()
    overhead = float("nan") if args.skip_ray else ray_overhead(args.ray_articles)
    big = results.get((100000, "approximate"))
    small = results.get((20000, "approximate"))
    rss = f"{big['peak_rss_mb']:.0f}" if big else "nan"
    growth = f"{big['wall_s'] / small['wall_s']:.2f}" if big and small else "nan"
    if big and small:
        print(f"\napproximate 20,000 -> 100,000 articles: wall time x{growth}, CPU time "
              f"x{big['cpu_s'] / small['cpu_s']:.2f} (n log n: x5.7; n²: x25)")
    print(f"RESULT rss_100k_mb={rss} growth_20k_100k={growth} f1_exact={f_exact:.4f} f1_approx={f_approx:.4f} "
          f"ray_overhead={overhead:.2f}")


if __name__ == "__main__":
    main()
