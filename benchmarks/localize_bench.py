"""How often `localize` names the faulty segment on generated meshes, and how fast.

Two kinds of mesh over a random tree of routers (segments are the tree's edges):
``tree``, one site probing endpoints at the leaves (links = site -> endpoint paths), and
``wlcg``, several sites each probing the others (links = the tree path between two sites).
In each case one or two segments crossed by some link are made faulty, every link crossing
one is degraded, then a stated share of link states is flipped (detection errors).

Scored per faulty segment: top-1 when the best candidate blames it (its group of segments
that no link separates counts as one), top-3 when one of the first three does. ``classic``
is the same ranking with a healthy label never wrong (false_negative=0): Duffield's
smallest consistent failure set. Seeds are fixed: rerun to get the same table.

    .venv/bin/python benchmarks/localize_bench.py [--cases 100]
"""

import argparse
import statistics
import time
import zlib

import numpy as np

from netprobe.localize import LinkEvidence, localize

SIZES = (10, 30, 100, 300)
RATES = (0.0, 0.05, 0.10)
WIDE = 3  # a fault crossed by this many links or more is "wide": evidence beyond one link


def random_tree(n_routers: int, rng: np.random.Generator) -> list[int]:
    """Parent of each router (router 0 is the root): a random recursive tree."""
    return [-1] + [int(rng.integers(0, k)) for k in range(1, n_routers)]


def up(node: int, parent: list[int]) -> list[int]:
    """The nodes from ``node`` up to the root, both included."""
    chain = [node]
    while parent[chain[-1]] >= 0:
        chain.append(parent[chain[-1]])
    return chain


def tree_mesh(n_links: int, rng: np.random.Generator) -> list[list[str]]:
    """One site above router 0, endpoints hung under random routers: paths as node lists."""
    parent = random_tree(max(3, n_links // 2), rng)
    paths = []
    for e in range(n_links):
        routers = up(int(rng.integers(0, len(parent))), parent)[::-1]
        paths.append(["site"] + [f"r{r}" for r in routers] + [f"e{e}"])
    return paths


def wlcg_mesh(n_links: int, rng: np.random.Generator) -> list[list[str]]:
    """Sites hung under random routers, each pair of sites probed once: the tree path between."""
    n_sites = 2
    while n_sites * (n_sites - 1) // 2 < n_links:
        n_sites += 1
    parent = random_tree(max(3, 2 * n_sites), rng)
    home = [int(rng.integers(0, len(parent))) for _ in range(n_sites)]
    pairs = [(a, b) for a in range(n_sites) for b in range(a + 1, n_sites)]
    chosen = rng.choice(len(pairs), size=n_links, replace=False)
    paths = []
    for k in sorted(chosen):
        a, b = pairs[k]
        ua, ub = up(home[a], parent), up(home[b], parent)
        meet = next(n for n in ua if n in set(ub))
        routers = ua[: ua.index(meet) + 1] + ub[: ub.index(meet)][::-1]
        paths.append([f"s{a}"] + [f"r{r}" for r in routers] + [f"s{b}"])
    return paths


def edges(path: list[str]) -> list[str]:
    """Segments of a path: its edges, named the same whichever way they are crossed."""
    return ["-".join(sorted(pair)) for pair in zip(path, path[1:], strict=False)]


MESHES = {"tree": tree_mesh, "wlcg": wlcg_mesh}


def one_case(mesh: str, n_links: int, n_faults: int, rate: float, rng: np.random.Generator):
    """Build a mesh, break segments, flip states; return the evidence and the faulty segments."""
    segments = [edges(p) for p in MESHES[mesh](n_links, rng)]
    crossed = sorted({s for segs in segments for s in segs})
    faulty = {crossed[i] for i in rng.choice(len(crossed), size=n_faults, replace=False)}
    links = []
    for i, segs in enumerate(segments):
        degraded = bool(faulty.intersection(segs))
        if rng.random() < rate:
            degraded = not degraded
        links.append(LinkEvidence(f"l{i}", segs, degraded))
    return links, faulty


def blamed(result, faulty: set[str], among: int) -> set[str]:
    """The faulty segments that one of the first ``among`` candidates blames."""
    return faulty.intersection(s for c in result.candidates[:among] for s in c.segments)


def run(cases: int) -> list[dict]:
    rows = []
    for mesh in MESHES:
        for n_links in SIZES:
            for n_faults in (1, 2):
                for rate in RATES:
                    seed = zlib.crc32(f"{mesh}/{n_links}/{n_faults}/{rate}".encode())
                    rng = np.random.default_rng(seed)
                    top1 = top3 = classic1 = total = wide1 = wide = 0
                    groups, times = [], []
                    for _ in range(cases):
                        links, faulty = one_case(mesh, n_links, n_faults, rate, rng)
                        start = time.perf_counter()
                        result = localize(links)
                        times.append(time.perf_counter() - start)
                        first = blamed(result, faulty, 1)
                        top1 += len(first)
                        top3 += len(blamed(result, faulty, 3))
                        total += len(faulty)
                        classic = localize(links, false_negative=0.0)
                        classic1 += len(blamed(classic, faulty, 1))
                        crossings = {s: sum(s in link.segments for link in links) for s in faulty}
                        big = {s for s, n in crossings.items() if n >= WIDE}
                        wide += len(big)
                        wide1 += len(big & first)
                        if result.best:
                            groups += [len(c.names) for c in result.best.causes]
                    rows.append(
                        {
                            "mesh": mesh,
                            "links": n_links,
                            "faults": n_faults,
                            "flipped": rate,
                            "top1": top1 / total,
                            "top3": top3 / total,
                            "wide_top1": f"{wide1 / wide:.0%}" if wide else "-",
                            "classic_top1": classic1 / total,
                            "group": statistics.mean(groups) if groups else 0.0,
                            "ms_median": 1000 * statistics.median(times),
                            "ms_max": 1000 * max(times),
                        }
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100, help="cases per row (default 100)")
    args = parser.parse_args()
    rows = run(args.cases)
    print(f"{args.cases} cases per row. top-1/top-3: share of faulty segments blamed by the")
    print(
        f"best / one of the first three candidates; wide: top-1 among faults crossed by >= {WIDE}"
    )
    print("links; classic: top-1 when a healthy label is never doubted; group: segments the")
    print("evidence cannot separate, mean over the best candidate's groups.\n")
    head = ["mesh", "links", "faults", "flipped", "top-1", "top-3", "wide top-1", "classic top-1"]
    head += ["group", "ms median", "ms max"]
    print("| " + " | ".join(head) + " |")
    print("|---|" + "---:|" * (len(head) - 1))
    for r in rows:
        print(
            f"| {r['mesh']} | {r['links']} | {r['faults']} | {r['flipped']:.0%} "
            f"| {r['top1']:.0%} | {r['top3']:.0%} | {r['wide_top1']} "
            f"| {r['classic_top1']:.0%} | {r['group']:.1f} "
            f"| {r['ms_median']:.1f} | {r['ms_max']:.1f} |"
        )


if __name__ == "__main__":
    main()
