"""F1 and cover of netprobe's default segment() on 18 TCPD series, beside the paper's defaults.

Run: .venv/bin/python benchmarks/tcpd_bench.py [--cost ed] [--search binseg-pelt] [--json]
One setting for every series (no per-series tuning). The series are split in two fixed
halves (alternate names in alphabetical order): defaults were chosen looking at the first
("seen") only, the second ("held out") checks them.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from netprobe.detect import segment
from netprobe.detect.scoring import cover, f_measure

# shared/ sits beside the clone; NETPROBE_SHARED points elsewhere (e.g. from a git worktree).
SHARED = Path(
    os.environ.get("NETPROBE_SHARED", Path(__file__).resolve().parents[1].parent / "shared")
)
TCPD = SHARED / "tcpd"
PUBLISHED_F1 = {"binseg": 0.699, "pelt": 0.687, "zero": 0.667, "bocpd": 0.635}
ZERO_COVER = 0.575


def auto_transform(values: np.ndarray) -> np.ndarray:
    """What `netprobe detect --transform auto` does: log when every present value is > 0."""
    present = values[~np.isnan(values)]
    return np.log(values) if present.size and (present > 0).all() else values


def load(name: str) -> np.ndarray:
    """Values of TCPD series ``name``, NaN where the dataset has null."""
    data = json.loads((TCPD / "data" / f"{name}.json").read_text())
    raw = data["series"][0]["raw"]
    return np.array([np.nan if v is None else float(v) for v in raw])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cost", default=None)
    parser.add_argument("--search", default=None)
    parser.add_argument("--penalty", default=None)
    parser.add_argument("--min-size", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = {
        k: v
        for k, v in {
            "cost": args.cost,
            "search": args.search,
            "penalty": args.penalty,
            "min_size": args.min_size,
        }.items()
        if v is not None
    }
    annotations = json.loads((TCPD / "annotations.json").read_text())
    names = sorted(annotations)
    rows = []
    for i, name in enumerate(names):
        x = load(name)
        found = segment(auto_transform(x), **settings)
        rows.append(
            {
                "series": name,
                "half": "seen" if i % 2 == 0 else "held out",
                "n": x.size,
                "found": found,
                "f1": f_measure(annotations[name], found),
                "cover": cover(annotations[name], found, x.size),
                "zero_f1": f_measure(annotations[name], []),
                "zero_cover": cover(annotations[name], [], x.size),
            }
        )
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"settings: {settings or 'defaults'}")
    print(f"{'series':<18} {'half':<9} {'n':>4} {'F1':>6} {'cover':>6}  found")
    for r in rows:
        print(
            f"{r['series']:<18} {r['half']:<9} {r['n']:>4} {r['f1']:6.3f} {r['cover']:6.3f}"
            f"  {r['found']}"
        )
    print()
    for label, part in [
        ("all 18", rows),
        ("seen 9", [r for r in rows if r["half"] == "seen"]),
        ("held-out 9", [r for r in rows if r["half"] == "held out"]),
    ]:
        f1 = np.mean([r["f1"] for r in part])
        cv = np.mean([r["cover"] for r in part])
        print(f"netprobe mean F1 {f1:.3f} cover {cv:.3f}  ({label})")
    zero_f1 = np.mean([r["zero_f1"] for r in rows])
    zero_cover = np.mean([r["zero_cover"] for r in rows])
    print(f"self-check, no prediction: F1 {zero_f1:.3f} cover {zero_cover:.3f}")
    print(f"  (TCPD's published: F1 {PUBLISHED_F1['zero']} cover {ZERO_COVER})")
    print("published defaults (F1): " + ", ".join(f"{k} {v}" for k, v in PUBLISHED_F1.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
