#!/usr/bin/env python3
"""Process-level timing of the `synth` CLI: median wall time over N runs and the peak
resident set size of one run (with GNU time), for each shipped stack and `--all --check`.

Usage (from the repository root, after `cargo build --release`):
    python3 .ci/measure-cli.py [RUNS]
"""
import os
import statistics
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SYNTH = os.path.join("target", "release", "synth")


def measure(args):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([SYNTH, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    # Peak RSS of one more run, measured by GNU time (a child's ru_maxrss seen from
    # Python includes the Python image it was forked from).
    rss = None
    if os.path.exists("/usr/bin/time"):
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%M", SYNTH, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        rss = int(out.stderr.strip().splitlines()[-1]) / 1024
    return statistics.median(times) * 1000, rss


def run(args):
    return subprocess.run([SYNTH, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode


def main():
    if not os.path.exists(SYNTH):
        sys.exit("build first: cargo build --release")
    stacks = sorted(f[: -len(".yaml")] for f in os.listdir("stacks") if f.endswith(".yaml"))
    cases = []
    for s in stacks:
        # A definition with several templates (a StackSet member, nested stacks) cannot
        # print to stdout; it is measured checking out/ instead, which renders them all.
        args = ["--stack", s]
        if run(args) != 0:
            args += ["--out", "out", "--check"]
        cases.append(args)
    cases.append(["--all", "--out", "out", "--check"])
    for args in cases:
        if run(args) != 0:
            sys.exit(f"synth {' '.join(args)} fails: measure a working build")
    print(f"{'command':<45} {'median wall':>12} {'peak RSS':>10}   ({RUNS} runs)")
    for args in cases:
        wall, rss = measure(args)
        shown = f"{rss:>7.1f} MiB" if rss is not None else "    n/a (no /usr/bin/time)"
        print(f"{'synth ' + ' '.join(args):<45} {wall:>9.2f} ms {shown}")


if __name__ == "__main__":
    main()
