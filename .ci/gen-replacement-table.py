#!/usr/bin/env python3
"""Generates src/diff/replacement.json: the properties whose update makes CloudFormation
replace the resource, for every resource type the shipped templates emit. `synth diff`
reads it to say whether a changed property needs replacement.

Source of truth: the CloudFormation resource provider schemas bundled in the cfn-lint
package (pinned in .ci/requirements.txt), region us-east-1. From each schema:
- `createOnlyProperties` -> "create_only": changing the property replaces the resource;
- `conditionalCreateOnlyProperties` -> "conditional_create_only": changing it may replace
  the resource, depending on the change (e.g. the old or new value).
JSON pointers become dotted paths: `/properties/DomainSettings/RStudioServerProDomainSettings/
DefaultResourceSpec` -> `DomainSettings.RStudioServerProDomainSettings.DefaultResourceSpec`;
an array item (`/*`) stays `*`. Lists are sorted and deduplicated.

Resource types: every `Resources.*.Type` of out/*.template.json (so the table follows the
shipped stacks), plus ALWAYS_INCLUDED. `Custom::*` types are looked up as
AWS::CloudFormation::CustomResource, as cfn-lint does.

Usage (from anywhere; stdlib only, but it must run in the interpreter that has cfn-lint):
    .venv/bin/python .ci/gen-replacement-table.py          # (re)write the table
    .venv/bin/python .ci/gen-replacement-table.py --check  # exit 1 and print a diff if stale
"""

import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = "out"
TABLE = "src/diff/replacement.json"
REGION = "us-east-1"
REGENERATE = ".venv/bin/python .ci/gen-replacement-table.py"

# Types the table always covers, whether or not a shipped stack emits them today.
ALWAYS_INCLUDED = [
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::SageMaker::Domain",
    "AWS::EFS::FileSystem",
    "AWS::DynamoDB::Table",
    "AWS::Logs::LogGroup",
    "AWS::SageMaker::UserProfile",
    "AWS::SageMaker::NotebookInstance",
    # Internet egress: only the test definition tests/data/nat-egress.yaml emits them.
    "AWS::EC2::EIP",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::Route",
    "AWS::EC2::VPCGatewayAttachment",
    # Studio custom images: only the test definition tests/data/studio-images.yaml emits
    # them (moto cannot deploy them, so no shipped stack does).
    "AWS::SageMaker::AppImageConfig",
    "AWS::SageMaker::Image",
    "AWS::SageMaker::ImageVersion",
]


class GenError(Exception):
    pass


def cfnlint_schemas():
    """(cfn-lint version, the directory of its bundled schemas)."""
    try:
        import cfnlint
        from cfnlint.version import __version__
    except ImportError as e:
        raise GenError(
            f"cannot import cfnlint ({e}) with {sys.executable}: run this script with the "
            "Python of .venv/ (`bash .ci/tools.sh` installs it), e.g. " + REGENERATE
        )
    schemas = Path(cfnlint.__file__).resolve().parent / "data" / "schemas"
    if not (schemas / "providers" / f"{REGION}.json").is_file():
        raise GenError(
            f"cfn-lint {__version__} (from {sys.executable}) has no bundled "
            f"data/schemas/providers/{REGION}.json; run this script with the cfn-lint pinned "
            "in .ci/requirements.txt: " + REGENERATE
        )
    return __version__, schemas


def template_types():
    """Every resource type of out/*.template.json."""
    out = ROOT / TEMPLATES_DIR
    templates = sorted(out.glob("*.template.json"))
    if not templates:
        raise GenError(
            f"no *.template.json in {TEMPLATES_DIR}/: generate them with "
            "`cargo run -- --all --out out`"
        )
    types = set()
    for path in templates:
        name = f"{TEMPLATES_DIR}/{path.name}"
        with open(path, encoding="utf-8") as f:
            template = json.load(f)
        resources = template.get("Resources")
        if not isinstance(resources, dict):
            raise GenError(f"{name}: no Resources object")
        for logical_id, resource in resources.items():
            rtype = resource.get("Type") if isinstance(resource, dict) else None
            if not isinstance(rtype, str) or not rtype:
                raise GenError(f"{name}: resource {logical_id} has no string Type")
            types.add(rtype)
    return types


def pointer_to_path(rtype, pointer):
    """`/properties/A/B/*/C` -> `A.B.*.C`."""
    prefix = "/properties/"
    if not pointer.startswith(prefix) or pointer == prefix:
        raise GenError(f"{rtype}: unexpected property pointer {pointer!r}")
    parts = [
        p.replace("~1", "/").replace("~0", "~") for p in pointer[len(prefix) :].split("/")
    ]
    for part in parts:
        if not part or "." in part:
            raise GenError(f"{rtype}: cannot write pointer {pointer!r} with `.` separators")
    return ".".join(parts)


def paths(rtype, schema, key):
    pointers = schema.get(key, [])
    if not isinstance(pointers, list):
        raise GenError(f"{rtype}: {key} is not a list")
    return sorted({pointer_to_path(rtype, p) for p in pointers})


def build_table():
    version, schemas = cfnlint_schemas()
    with open(schemas / "providers" / f"{REGION}.json", encoding="utf-8") as f:
        providers = json.load(f)
    types = {}
    unknown = []
    for rtype in sorted(template_types() | set(ALWAYS_INCLUDED)):
        schema_type = "AWS::CloudFormation::CustomResource" if rtype.startswith("Custom::") else rtype
        schema_hash = providers.get(schema_type)
        if not isinstance(schema_hash, str):
            unknown.append(rtype)
            continue
        with open(schemas / "resources" / f"{schema_hash}.json", encoding="utf-8") as f:
            schema = json.load(f)
        if schema.get("typeName") != schema_type:
            raise GenError(
                f"{rtype}: schema {schema_hash}.json is for {schema.get('typeName')!r}"
            )
        types[rtype] = {
            "create_only": paths(rtype, schema, "createOnlyProperties"),
            "conditional_create_only": paths(rtype, schema, "conditionalCreateOnlyProperties"),
        }
    if unknown:
        raise GenError(
            f"cfn-lint {version} has no {REGION} schema for: {', '.join(unknown)}"
        )
    return version, types


def render(version, types):
    """Sorted keys; one line per resource type, so a schema change is a one-line diff."""
    lines = ["{", f" \"cfn_lint_version\": {json.dumps(version)},", ' "types": {']
    entries = [
        f"  {json.dumps(rtype)}: {json.dumps(types[rtype], sort_keys=True)}"
        for rtype in sorted(types)
    ]
    lines.append(",\n".join(entries))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"do not write; exit 1 and print a diff if {TABLE} is not what would be generated",
    )
    args = parser.parse_args()
    try:
        version, types = build_table()
    except (GenError, OSError, ValueError) as e:
        print(f"gen-replacement-table: error: {e}", file=sys.stderr)
        return 2
    text = render(version, types)
    # Round-trip: the output must be valid JSON with exactly this content.
    assert json.loads(text) == {"cfn_lint_version": version, "types": types}
    table = ROOT / TABLE
    if args.check:
        try:
            current = table.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = ""
        if current == text:
            print(f"{TABLE} is up to date ({len(types)} types, cfn-lint {version})")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{TABLE} (committed)",
            tofile=f"{TABLE} (generated)",
        )
        sys.stdout.writelines(diff)
        print(f"\n{TABLE} is stale; regenerate it with: {REGENERATE}")
        return 1
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE}: {len(types)} types, {len(text)} bytes, cfn-lint {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
