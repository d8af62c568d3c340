#!/usr/bin/env python3
"""Where the instructions of the whole `synth` process go, phase by phase: runs
`valgrind --tool=callgrind` on `synth --file D/studio-private.yaml --out D/out --check`
for the studio-private definition with 2, 100, 1,000 and 10,000 users (`split: nested`
above 150 users, as `cargo bench` and `.ci/measure-cli.py` build it), reads the inclusive
cost of each phase's function from `callgrind_annotate --inclusive=yes`, and prints a
Markdown table in millions of instructions.

Phases (each the inclusive cost of a function that is never inlined, or a difference):
  load       sagesynth::stacks::load::load_file (read, parse and check the definition)
  compose    sagesynth::stacks::compose::compose_parent and
             sagesynth::stacks::compose::NestedUserStacks::compose (the split children);
             in binaries built before those two, compose_for (which the CLI no longer
             calls, so that the two never add up)
  JSON tree  sagesynth::synth::json_tree (the JSON tree validation reads, template::json)
  body       sagesynth::synth::render_template (the text written)
  rule pack  sagesynth::validate::validate and validate_nested, without the
             structural passes
  references, limits, names
             the structural passes, run once per template by the rule pack
             (sagesynth::validate::rules::Context::structural_passes::{{closure}})
  render, other
             sagesynth::synth::render minus the four above: the split hint, the
             origins of the resources findings name, freeing the JSON tree and the
             model, and handing the text over (reading and comparing its file)
  start-up, CLI, report
             the whole process minus load, compose and render: the dynamic loader,
             argument parsing, the findings report
A phase that is not found (a function renamed or inlined) stops the script with an
error instead of printing a zero. `--totals` prints only the instructions of the whole
process, for a binary built before these functions were kept out of line. The process
runs with `SAGESYNTH_THREADS=1`, so that each phase's function holds all of its work.

Usage (from the repository root, after `cargo build --release`):
    python3 .ci/profile-phases.py [BINARY ...]
Each BINARY (default: the release build; CARGO_TARGET_DIR is honoured) gives rows
labelled with its file name; `--users 2,100` picks the sizes.
    python3 .ci/profile-phases.py --totals OLD_BINARY NEW_BINARY
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from user_series import definition_with_users

USERS = [2, 100, 1_000, 10_000]

# The inclusive line of a function: "123,456 (12.34%)  file:function [object]".
LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(?:\S*?):(.+?) \[(.+)\]\s*$")

# The functions of each phase (their costs added: the rule pack runs as `validate` for
# the main template and as `validate_nested` for nested stacks' children).
SYMBOLS = {
    "load": ["sagesynth::stacks::load::load_file"],
    "compose": [
        "sagesynth::stacks::compose::compose_parent",
        "sagesynth::stacks::compose::NestedUserStacks::compose",
        "sagesynth::stacks::compose::compose_for",
    ],
    "json": ["sagesynth::synth::json_tree"],
    "body": ["sagesynth::synth::render_template"],
    "rules": ["sagesynth::validate::validate", "sagesynth::validate::validate_nested"],
    "structural": ["sagesynth::validate::rules::Context::structural_passes::{{closure}}"],
    "render": ["sagesynth::synth::render"],
}


def inclusive_costs(callgrind_out):
    """Total and {function: inclusive instructions} of one callgrind output file. Only
    the first level of a recursive function (`render`, not `render'2`) is kept: it
    includes the deeper levels."""
    text = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", callgrind_out],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    total = None
    costs = {}
    for line in text.splitlines():
        if line.rstrip().endswith("PROGRAM TOTALS"):
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if m:
            cost, function = int(m.group(1).replace(",", "")), m.group(2)
            # The same function may appear once per object file; keep the largest.
            costs[function] = max(cost, costs.get(function, 0))
    if not total:
        sys.exit(f"{callgrind_out}: callgrind_annotate printed no PROGRAM TOTALS")
    return total, costs


def cost(costs, phase):
    found = [costs[name] for name in SYMBOLS[phase] if name in costs]
    if found:
        return sum(found)
    sys.exit(f"phase `{phase}` not found in the profile (looked for {SYMBOLS[phase]}): "
             "a function was renamed or inlined; update SYMBOLS")


def phases(total, costs):
    load = cost(costs, "load")
    render = cost(costs, "render")
    compose = cost(costs, "compose")
    json = cost(costs, "json")
    body = cost(costs, "body")
    rules = cost(costs, "rules")
    structural = cost(costs, "structural")
    row = {
        "total": total,
        "load": load,
        "compose": compose,
        "JSON tree": json,
        "body": body,
        "rule pack": rules - structural,
        "references, limits, names": structural,
        "render, other": render - json - body - rules,
        "start-up, CLI, report": total - load - compose - render,
    }
    for name, value in row.items():
        if value <= 0:
            sys.exit(f"phase `{name}` came out as {value} instructions: the profile was not read right")
    return row


def profile(binary, users, base, work, totals_only=False):
    folder = os.path.join(work, f"u{users}")
    if not os.path.isdir(folder):
        os.makedirs(folder)
        shutil.copytree(os.path.join("stacks", "scripts"), os.path.join(folder, "scripts"))
        with open(os.path.join(folder, "studio-private.yaml"), "w") as f:
            f.write(definition_with_users(base, users))
    definition = os.path.join(folder, "studio-private.yaml")
    out = os.path.join(folder, "out")
    write = [binary, "--file", definition, "--out", out]
    if subprocess.run(write, capture_output=True, check=False).returncode != 0:
        sys.exit(f"{' '.join(write)} fails: profile a working build")
    callgrind_out = os.path.join(work, f"callgrind.{os.path.basename(binary)}.{users}")
    # One thread: a function's inclusive cost then holds all its work, and the phases
    # add up (the split children are otherwise composed and rendered on other threads,
    # outside compose_for and render). Threads change the processor time, not the work.
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={callgrind_out}", *write, "--check"],
        capture_output=True,
        check=True,
        env={**os.environ, "SAGESYNTH_THREADS": "1"},
    )
    total, costs = inclusive_costs(callgrind_out)
    return {"total": total} if totals_only else phases(total, costs)


def main():
    args = sys.argv[1:]
    users = USERS
    if "--users" in args:
        i = args.index("--users")
        users = [int(u) for u in args[i + 1].split(",")]
        del args[i : i + 2]
    totals_only = "--totals" in args
    if totals_only:
        args.remove("--totals")
    default = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "synth")
    binaries = args or [default]
    for b in binaries:
        if not os.path.exists(b):
            sys.exit(f"{b}: no such binary (build first: cargo build --release)")
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        sys.exit("valgrind and callgrind_annotate are needed")
    with open(os.path.join("stacks", "studio-private.yaml")) as f:
        base = f.read()
    work = tempfile.mkdtemp(prefix="synth-profile-")
    try:
        header = None
        previous = {}
        per_user = {}
        for n in users:
            for b in binaries:
                row = profile(b, n, base, work, totals_only)
                if header is None:
                    header = list(row)
                    print("| users | binary | " + " | ".join(header) + " |")
                    print("|---:|---|" + "---:|" * len(header))
                cells = " | ".join(f"{row[h] / 1e6:.1f} M" for h in header)
                print(f"| {n:,} | {os.path.basename(b)} | {cells} |", flush=True)
                if b in previous:
                    prev_n, prev_total = previous[b]
                    per_user.setdefault(b, []).append(
                        f"{prev_n:,}→{n:,}: {(row['total'] - prev_total) / (n - prev_n) / 1e3:.0f} k"
                    )
                previous[b] = (n, row["total"])
        print()
        for b, steps in per_user.items():
            print(f"instructions per added user, {os.path.basename(b)}: " + ", ".join(steps))
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
