#!/usr/bin/env python3
"""Process-level timing of the `synth` CLI: median wall time and processor time (user +
system, which a loaded machine inflates less) over N runs and the peak
resident set size and page faults of one run (with GNU time), for each shipped stack and `--all --check`,
and for the studio-private definition with 2, 100, 1,000 and 10,000 users (`split: nested`
above 150 users, as `cargo bench` builds them): writing the templates (`--out`, each file
fsynced), checking them (`--check`, which renders and compares without writing) with the
threads synth chooses and on one thread (`SAGESYNTH_THREADS=1`), and the I/O floor: the same files written and
fsynced by this script, which no implementation of the CLI can beat on this disk. For the
user series the four are run in turn, one of each per round, so that the machine's drift
within minutes weighs on all of them alike.

Usage (from the repository root, after `cargo build --release`):
    python3 .ci/measure-cli.py [RUNS]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from user_series import definition_with_users

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
# The release build (CARGO_TARGET_DIR is honoured), or the binary named by $SYNTH.
SYNTH = os.environ.get("SYNTH") or os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "synth")


# Kernel settings of a virtual machine that shape these timings, printed with each run so
# that figures from different machines can be told apart: free memory handed back to the
# host in blocks of 2^order pages (touching it again costs a fault on the host too), how
# long an idle CPU polls before it halts (a halted CPU is slow to wake for a new thread),
# and a scheduler setting of this VM kind's kernel that packs runnable threads onto fewer
# CPUs. A file a kernel does not have is left out.
MACHINE_SETTINGS = [
    ("page_reporting_order", "/sys/module/page_reporting/parameters/page_reporting_order"),
    ("cpuidle driver", "/sys/devices/system/cpu/cpuidle/current_driver"),
    ("guest_halt_poll_ns", "/sys/module/haltpoll/parameters/guest_halt_poll_ns"),
    ("sched_vcpu_pack", "/proc/sys/kernel/sched_vcpu_pack"),
    ("transparent_hugepage", "/sys/kernel/mm/transparent_hugepage/enabled"),
]


def machine():
    """One line: the CPUs this process may use and the settings of MACHINE_SETTINGS."""
    parts = [f"{len(os.sched_getaffinity(0))} CPUs"]
    for name, path in MACHINE_SETTINGS:
        try:
            with open(path) as f:
                parts.append(f"{name} {f.read().strip()}")
        except OSError:
            pass
    return "machine: " + ", ".join(parts)


def environment(threads):
    """The environment of a run: this one, with SAGESYNTH_THREADS set when `threads` is."""
    env = dict(os.environ)
    if threads is not None:
        env["SAGESYNTH_THREADS"] = str(threads)
    return env


def one_run(args, threads=None):
    """Wall time and processor time (user + system) of one run of `synth ARGS`, in
    seconds. The processor time says what a loaded machine's wall time does not (waiting
    for a core); Linux splits it into user and system time by sampling at the scheduler's
    tick, too coarse for runs of a few milliseconds, so only the sum is kept."""
    env = environment(threads)
    start = time.perf_counter()
    child = subprocess.Popen([SYNTH, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def peak(args, threads=None):
    """Peak RSS (MiB) and page faults (minor: memory the process touched for the first
    time) of one more run, measured by GNU time (a child's ru_maxrss and ru_minflt seen
    from Python include the Python image it was forked from); `None`s without it."""
    if not os.path.exists("/usr/bin/time"):
        return None, None
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%M %R", SYNTH, *args],
        env=environment(threads),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    kib, faults = out.stderr.strip().splitlines()[-1].split()
    return int(kib) / 1024, int(faults)


def measure(args, threads=None):
    """Median wall time, peak RSS and page faults of `synth ARGS` over RUNS runs; the
    median processor time goes to CPU_TIMES. `threads` sets SAGESYNTH_THREADS."""
    runs = [one_run(args, threads) for _ in range(RUNS)]
    CPU_TIMES[(tuple(args), threads)] = statistics.median(c for _, c in runs) * 1000
    rss, faults = peak(args, threads)
    return statistics.median(w for w, _ in runs) * 1000, rss, faults


def run(args):
    return subprocess.run([SYNTH, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode


USERS = [2, 100, 1_000, 10_000]
CPU_TIMES = {}


def write_and_fsync(bodies, target):
    """Seconds to write and fsync `bodies` (name, bytes) into `target` the way synth does
    (a temporary file, fsync, rename), without synthesizing anything: the I/O floor."""
    start = time.perf_counter()
    for name, body in bodies:
        tmp = os.path.join(target, f".{name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, body)
        os.fsync(fd)
        os.close(fd)
        os.rename(tmp, os.path.join(target, name))
    return time.perf_counter() - start


def interleaved(variants, out_dir):
    """Medians over RUNS rounds, each round one run of every variant (label: (args,
    threads)) and one write of the I/O floor (the files of `out_dir`), in turn: this
    machine's speed drifts within minutes, and runs taken in blocks of their own would
    compare one stretch of it with another. Returns {label: (wall ms, CPU ms)}, the
    floor's median ms, the number of files and their bytes."""
    bodies = []
    for name in sorted(os.listdir(out_dir)):
        with open(os.path.join(out_dir, name), "rb") as f:
            bodies.append((name, f.read()))
    target = tempfile.mkdtemp(dir=os.path.dirname(out_dir))
    runs = {label: [] for label in variants}
    floor = []
    try:
        for _ in range(RUNS):
            for label, (args, threads) in variants.items():
                runs[label].append(one_run(args, threads))
            floor.append(write_and_fsync(bodies, target))
    finally:
        shutil.rmtree(target)
    medians = {
        label: (statistics.median(w for w, _ in r) * 1000, statistics.median(c for _, c in r) * 1000)
        for label, r in runs.items()
    }
    return medians, statistics.median(floor) * 1000, len(bodies), sum(len(b) for _, b in bodies)


def scaling():
    with open(os.path.join("stacks", "studio-private.yaml")) as f:
        base = f.read()
    work = tempfile.mkdtemp(prefix="synth-measure-")
    try:
        print()
        print(f"{'studio-private':<16} {'--out (fsync)':>14} {'per user':>9} {'--check':>9} "
              f"{'per user':>9} {'CPU --check':>12} {'per user':>9} "
              f"{'--check 1 thread':>17} {'CPU':>9} {'I/O floor':>10} {'peak RSS':>9} "
              f"{'faults':>7} {'templates':>10}   (medians of {RUNS} runs)")
        previous = None
        for users in USERS:
            folder = os.path.join(work, f"u{users}")
            os.makedirs(folder)
            shutil.copytree(os.path.join("stacks", "scripts"), os.path.join(folder, "scripts"))
            definition = os.path.join(folder, "studio-private.yaml")
            with open(definition, "w") as f:
                f.write(definition_with_users(base, users))
            out = os.path.join(work, f"out{users}")
            write = ["--file", definition, "--out", out]
            if run(write) != 0:
                sys.exit(f"synth {' '.join(write)} fails: measure a working build")
            check = write + ["--check"]
            # The same check on one thread (SAGESYNTH_THREADS=1): what the threads of a
            # split run save in wall time, and cost in processor time.
            medians, floor, files, size = interleaved(
                {"write": (write, None), "check": (check, None), "one thread": (check, 1)}, out
            )
            written, _ = medians["write"]
            checked, cpu = medians["check"]
            one_thread, one_thread_cpu = medians["one thread"]
            rss, _ = peak(write)
            _, faults = peak(check)
            if previous is None:
                per_write = per_check = per_cpu = ""
            else:
                (prev_users, prev_written, prev_checked, prev_cpu) = previous
                per_write = f"{(written - prev_written) * 1000 / (users - prev_users):.2f} µs"
                per_check = f"{(checked - prev_checked) * 1000 / (users - prev_users):.2f} µs"
                per_cpu = f"{(cpu - prev_cpu) * 1000 / (users - prev_users):.2f} µs"
            shown = f"{rss:>5.1f} MiB" if rss is not None else "      n/a"
            shown_faults = f"{faults:>7}" if faults is not None else "    n/a"
            print(f"{str(users) + ' users':<16} {written:>11.2f} ms {per_write:>9} {checked:>6.2f} ms "
                  f"{per_check:>9} {cpu:>9.2f} ms {per_cpu:>9} "
                  f"{one_thread:>14.2f} ms {one_thread_cpu:>6.2f} ms {floor:>7.2f} ms {shown:>9} "
                  f"{shown_faults} {files:>4} ({size // 1024} KiB)")
            previous = (users, written, checked, cpu)
    finally:
        shutil.rmtree(work)


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
    print(machine())
    print(f"{'command':<55} {'median wall':>12} {'median CPU':>11} {'peak RSS':>10} {'faults':>7}   ({RUNS} runs)")
    for args in cases:
        wall, rss, faults = measure(args)
        shown = f"{rss:>7.1f} MiB {faults:>7}" if rss is not None else "    n/a (no /usr/bin/time)"
        print(f"{'synth ' + ' '.join(args):<55} {wall:>9.2f} ms {CPU_TIMES[(tuple(args), None)]:>8.2f} ms {shown}")
    scaling()


if __name__ == "__main__":
    main()
