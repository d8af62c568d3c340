#!/bin/bash
# OnStart lifecycle script of sagesynth's notebook-identity construct.
#
# Makes every AWS SDK and CLI call from this notebook appear in CloudTrail under the
# notebook's own name: the default profile of ec2-user assumes the notebook's execution
# role again with role_session_name = the instance name. The file is made immutable, and
# the notebook has no root access, so users cannot change it.
#
# Runs as root at every start, with a minimal PATH. Paths and commands can be replaced
# through the environment for tests; the defaults are the real ones.
set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

metadata_file="${NOTEBOOK_IDENTITY_METADATA:-/opt/ml/metadata/resource-metadata.json}"
user_home="${NOTEBOOK_IDENTITY_HOME:-/home/ec2-user}"
owner="${NOTEBOOK_IDENTITY_OWNER:-ec2-user:ec2-user}"
aws_cli="${NOTEBOOK_IDENTITY_AWS:-aws}"
python="${NOTEBOOK_IDENTITY_PYTHON:-python3}"
chattr_cmd="${NOTEBOOK_IDENTITY_CHATTR:-chattr}"
chown_cmd="${NOTEBOOK_IDENTITY_CHOWN:-chown}"

log() { echo "notebook-identity: $*"; }
fail() {
  echo "notebook-identity: error: $*" >&2
  exit 1
}

[ -r "$metadata_file" ] || fail "cannot read the instance metadata file $metadata_file"

# The metadata file is JSON: {"ResourceArn": "arn:...:notebook-instance/<name>", "ResourceName": "<name>", ...}.
read_metadata() {
  "$python" - "$metadata_file" "$1" <<'PY'
import json, sys
try:
    with open(sys.argv[1]) as f:
        value = json.load(f)[sys.argv[2]]
except (OSError, ValueError, KeyError, TypeError) as e:
    sys.exit("cannot read %s from %s: %r" % (sys.argv[2], sys.argv[1], e))
if not isinstance(value, str) or not value:
    sys.exit("%s in %s is not a non-empty string" % (sys.argv[2], sys.argv[1]))
print(value)
PY
}

name="$(read_metadata ResourceName)" || fail "the metadata file has no usable ResourceName"
arn="$(read_metadata ResourceArn)" || fail "the metadata file has no usable ResourceArn"
[[ "$name" =~ ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$ ]] || fail "unexpected notebook name: $name"
# arn:<partition>:sagemaker:<region>:<account>:notebook-instance/<name>
IFS=: read -r _ _ _ region _ <<<"$arn"
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || fail "cannot read the region from $arn"

role_arn="$("$aws_cli" sagemaker describe-notebook-instance \
  --region "$region" --notebook-instance-name "$name" \
  --query RoleArn --output text)" || fail "describe-notebook-instance failed"
[[ "$role_arn" == arn:*:iam::*:role/* ]] || fail "unexpected role ARN: $role_arn"

config_dir="$user_home/.aws"
config="$config_dir/config"
mkdir -p "$config_dir"
# A restart finds the file immutable: clear the flag before rewriting it.
if [ -e "$config" ]; then
  "$chattr_cmd" -i "$config"
fi
cat >"$config" <<CONFIG
[default]
role_arn = $role_arn
credential_source = Ec2InstanceMetadata
role_session_name = $name
sts_regional_endpoints = regional
region = $region
CONFIG
"$chown_cmd" "$owner" "$config_dir" "$config"
chmod 0644 "$config"
"$chattr_cmd" +i "$config"
log "default profile of ${owner%%:*} assumes $role_arn as session $name in $region; $config is immutable"
