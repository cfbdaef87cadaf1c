#!/usr/bin/env python3
"""Runs our engine benchmarks and node-seal's in the same run; prints ratios; writes JSON.

Usage: bench/run_bench.py --build build/release [--out bench/results]
Ratios are node-seal time / our time (> 1 means we are faster). Nothing here is asserted.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

OPS = ["ntt_forward", "ntt_inverse", "encode", "decode", "encrypt_public", "decrypt",
       "multiply_plain", "multiply", "relinearize", "rescale", "rotate"]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run_engine(build):
    exe = os.path.join(build, "bench", "ei_engine_bench")
    res = subprocess.run([exe, "--benchmark_format=json", "--benchmark_min_time=0.3"],
                         check=True, capture_output=True, text=True)
    data = json.loads(res.stdout)
    out = {}
    for b in data["benchmarks"]:
        parts = b["name"].split("/")
        name, n = parts[0], "/".join(parts[1:])
        op = name[len("BM_"):]
        t = b["real_time"]  # microseconds (Unit kMicrosecond)
        if op.startswith("ntt_"):
            t /= b.get("limbs", 1)
        out[f"{op}/{n}"] = t
    return out


def run_node(root):
    res = subprocess.run(["node", os.path.join(root, "bench", "node_seal_bench.js")],
                         check=True, capture_output=True, text=True)
    return json.loads(res.stdout)["node-seal"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--out", default="bench/results")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ours = run_engine(args.build)
    theirs = run_node(root)
    rows = []
    print(f"{'operation':<22}{'N':>7}{'ours (us)':>14}{'node-seal (us)':>16}{'ratio':>9}")
    for op in OPS:
        for n in ("8192", "16384"):
            key = f"{op}/{n}"
            if key not in ours or key not in theirs:
                continue
            ratio = theirs[key] / ours[key] if ours[key] > 0 else float("nan")
            rows.append({"op": op, "n": int(n), "ours_us": ours[key], "node_seal_us": theirs[key],
                         "ratio_vs_node_seal": ratio})
            print(f"{op:<22}{n:>7}{ours[key]:>14.2f}{theirs[key]:>16.2f}{ratio:>8.1f}x")
    limb = sorted(k for k in ours if "_limb/" in k)
    if limb:
        print("\nNTT per limb by backend (ours):")
        for k in limb:
            print(f"  {k:<40}{ours[k]:>10.2f} us")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                            text=True).stdout.strip()
    report = {"date": datetime.datetime.utcnow().isoformat() + "Z", "commit": commit, "cpu": cpu_model(),
              "threads": 1, "ntt_unit": "per limb", "rows": rows,
              # Every engine benchmark, incl. per-backend NTT limbs (name/backend → microseconds).
              "engine_all_us": ours}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "engine-core.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
