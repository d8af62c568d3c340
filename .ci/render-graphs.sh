#!/usr/bin/env bash
# Renders every graph docs/stacks.md embeds (each `<!-- synth graph ARGS -->` marker) with
# real Mermaid (the pinned @mermaid-js/mermaid-cli of .ci/mermaid/) in Debian's chromium,
# as docs/graphs/<stack>[.<template>].svg. Both come from `bash .ci/tools.sh`.
#
#   bash .ci/render-graphs.sh          render and write docs/graphs/ (commit the result)
#   bash .ci/render-graphs.sh --check  render into a scratch folder; fail when a graph does
#                                      not render, or when a committed picture is missing or
#                                      was drawn from other Mermaid text than `synth graph`
#                                      prints now
#
# The SVG is byte-stable for one chromium and one set of fonts (the hand-drawn shapes take
# a fixed seed, .ci/mermaid/mermaid-config.json), but text is measured with the fonts of
# the machine, and Debian's chromium takes security updates. So --check compares what a
# picture was drawn from, not its bytes: each SVG starts with a comment naming the command
# and the sha256 of the Mermaid text it rendered.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
case "${1:-}" in
    "") ;;
    --check) check=true ;;
    *) echo "usage: bash .ci/render-graphs.sh [--check]" >&2; exit 2 ;;
esac

mmdc=.ci/mermaid/node_modules/.bin/mmdc
# CHROMIUM names another browser than Debian's (GitHub's runners: their Google Chrome).
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$mmdc" || ! -x "$chromium" ]]; then
    echo "render-graphs.sh: $mmdc or $chromium is missing; run bash .ci/tools.sh" >&2
    exit 1
fi
synth="${SYNTH:-}"
if [[ -z "$synth" ]]; then
    cargo build --release --quiet --bin synth
    synth="$(cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release/synth"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
puppeteer=.ci/mermaid/puppeteer-config.json
if [[ "$chromium" != /usr/bin/chromium ]]; then
    puppeteer="$work/puppeteer-config.json"
    python3 - "$chromium" >"$puppeteer" <<'PY'
import json, sys
config = json.load(open(".ci/mermaid/puppeteer-config.json"))
config["executablePath"] = sys.argv[1]
print(json.dumps(config))
PY
fi

mapfile -t graphs < <(sed -n 's/^<!-- synth graph \(.*\) -->$/\1/p' docs/stacks.md)
if [[ ${#graphs[@]} -eq 0 ]]; then
    echo "render-graphs.sh: no '<!-- synth graph ... -->' marker in docs/stacks.md" >&2
    exit 1
fi

mkdir -p docs/graphs
failed=0
for args in "${graphs[@]}"; do
    # `--stack NAME` -> NAME.svg; `--stack NAME --template SUFFIX` -> NAME.SUFFIX.svg
    read -r -a words <<<"$args"
    name="${words[1]}"
    if [[ ${#words[@]} -eq 4 ]]; then
        name="$name.${words[3]}"
    fi
    "$synth" graph "${words[@]}" >"$work/$name.mmd"
    sum="$(sha256sum "$work/$name.mmd" | cut -d' ' -f1)"
    # No "--" inside: an XML comment may not hold it (the SVG would not parse).
    header="<!-- rendered by .ci/render-graphs.sh from synth graph of $name, mermaid text sha256 $sum -->"
    if ! "$mmdc" --quiet --puppeteerConfigFile "$puppeteer" \
        --configFile .ci/mermaid/mermaid-config.json \
        --input "$work/$name.mmd" --output "$work/$name.svg" >"$work/$name.log" 2>&1; then
        echo "FAILED to render synth graph $args:" >&2
        cat "$work/$name.log" >&2
        failed=1
        continue
    fi
    # Mermaid draws a parse error as a picture of the error instead of failing.
    if grep -q 'aria-roledescription="error"' "$work/$name.svg"; then
        echo "FAILED: Mermaid drew an error for synth graph $args" >&2
        failed=1
        continue
    fi
    { printf '%s\n' "$header"; cat "$work/$name.svg"; } >"$work/$name.rendered.svg"
    target="docs/graphs/$name.svg"
    if $check; then
        if [[ ! -f "$target" ]]; then
            echo "MISSING $target: run bash .ci/render-graphs.sh and commit docs/graphs/" >&2
            failed=1
        elif [[ "$(head -n 1 "$target")" != "$header" ]]; then
            echo "STALE $target: drawn from other Mermaid text than \`synth graph $args\` prints now;" \
                "run bash .ci/render-graphs.sh and commit docs/graphs/" >&2
            failed=1
        elif cmp -s "$target" "$work/$name.rendered.svg"; then
            echo "ok $target (renders; byte-identical)"
        else
            echo "ok $target (renders; same Mermaid text, other bytes: fonts or chromium differ)"
        fi
    else
        mv "$work/$name.rendered.svg" "$target"
        echo "wrote $target"
    fi
done
if ! $check; then
    # Pictures of graphs docs/stacks.md no longer embeds.
    for svg in docs/graphs/*.svg; do
        keep=false
        for args in "${graphs[@]}"; do
            read -r -a words <<<"$args"
            name="${words[1]}"
            [[ ${#words[@]} -eq 4 ]] && name="$name.${words[3]}"
            [[ "$svg" == "docs/graphs/$name.svg" ]] && keep=true
        done
        if ! $keep; then
            rm -- "$svg"
            echo "deleted $svg"
        fi
    done
fi
exit "$failed"
