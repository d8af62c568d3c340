#!/usr/bin/env bash
# Installs the Python tools the integration tests drive (cfn-lint, aws, moto_server,
# pytest) into .venv/ at the repository root, from the fully pinned .ci/requirements.txt.
#
# Idempotent: the venv is (re)built only when it is missing or broken, or when
# requirements.txt or the Python version changed since the last successful install
# (recorded in .venv/.requirements.stamp). Otherwise this takes about a second.
#
# Usage: bash .ci/tools.sh        (PYTHON=python3.12 bash .ci/tools.sh to pick an interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
req=.ci/requirements.txt
venv=.venv
stamp="$venv/.requirements.stamp"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "tools.sh: $python not found; install Python >= 3.11 (or set PYTHON=...)" >&2
    exit 1
fi
# The pins need Python >= 3.11 (networkx 3.6 requires it).
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "tools.sh: $("$python" --version 2>&1) is too old; the pinned tools need Python >= 3.11" >&2
    exit 1
fi

# Stamp = sha256 of requirements.txt + the interpreter's version.
want="$("$python" - "$req" <<'PY'
import hashlib, sys
with open(sys.argv[1], "rb") as f:
    print(hashlib.sha256(f.read()).hexdigest(), "python%d.%d.%d" % sys.version_info[:3])
PY
)"
have="$(cat "$stamp" 2>/dev/null || true)"

if [[ "$have" != "$want" ]] || ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    echo "tools.sh: installing $req into $venv/ ..."
    # Rebuild from scratch so packages dropped from requirements.txt do not linger.
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -r "$req"
    # Written only after a successful install, so a failed one is retried next time.
    printf '%s\n' "$want" >"$stamp"
else
    echo "tools.sh: $venv/ is up to date with $req"
fi

# Every tool must be there and runnable; print what the tests will use.
for tool in cfn-lint aws moto_server pytest; do
    if [[ ! -x "$venv/bin/$tool" ]]; then
        echo "tools.sh: $venv/bin/$tool is missing after install" >&2
        exit 1
    fi
done
echo "cfn-lint:    $("$venv/bin/cfn-lint" --version)"
echo "aws:         $("$venv/bin/aws" --version 2>&1)"
# moto_server has no --version flag; ask the package it belongs to.
echo "moto_server: moto $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))')"
echo "pytest:      $("$venv/bin/pytest" --version 2>&1)"
