#!/bin/bash
# OnStart lifecycle script of sagesynth's shared-role notebook identity
# (identity: shared-role-with-session-names).
#
# Makes the AWS SDK and CLI calls of ec2-user's processes appear in CloudTrail under the
# notebook's own name: ec2-user's default profile assumes the shared execution role again
# with role_session_name = the instance name.
#
# ~/.aws, its config and ~/.aws/cli belong to root and are immutable (chattr +i): ec2-user
# (who has no root access) cannot edit the profile, cannot add a credentials file or a
# profile beside it (botocore merges ~/.aws/credentials over the config), and cannot
# rename or delete the directory to start afresh. Only ~/.aws/cli/cache, where the AWS CLI
# keeps the credentials it assumed, belongs to ec2-user. What no file can do: stop a
# user's own processes from choosing other settings (AWS_CONFIG_FILE, AWS_PROFILE, keys in
# the environment). The role's policies decide what those get: the instance's own
# session may do nothing but assume the role again, and only under a notebook's name.
#
# Runs as root at every start, with a minimal PATH. It calls no AWS API. Paths and
# commands can be replaced through the environment for tests; the defaults are the real
# ones.
set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

# The shared role's path and name, written in by sagesynth when it emits the template.
role_path_and_name='@ROLE_PATH_AND_NAME@'

metadata_file="${NOTEBOOK_IDENTITY_METADATA:-/opt/ml/metadata/resource-metadata.json}"
user_home="${NOTEBOOK_IDENTITY_HOME:-/home/ec2-user}"
owner="${NOTEBOOK_IDENTITY_OWNER:-ec2-user:ec2-user}"
python="${NOTEBOOK_IDENTITY_PYTHON:-python3}"
chattr_cmd="${NOTEBOOK_IDENTITY_CHATTR:-chattr}"
chown_cmd="${NOTEBOOK_IDENTITY_CHOWN:-chown}"

log() { echo "notebook-identity: $*"; }
fail() {
  echo "notebook-identity: error: $*" >&2
  exit 1
}

[[ "$role_path_and_name" =~ ^/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]+$ ]] ||
  fail "the role path and name were not written into this script: $role_path_and_name"
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
IFS=: read -r _ partition _ region account _ <<<"$arn"
[[ "$partition" =~ ^aws(-[a-z]+)*$ ]] || fail "cannot read the partition from $arn"
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || fail "cannot read the region from $arn"
[[ "$account" =~ ^[0-9]{12}$ ]] || fail "cannot read the account from $arn"
role_arn="arn:${partition}:iam::${account}:role${role_path_and_name}"

config_dir="$user_home/.aws"
config="$config_dir/config"
# Start afresh: a restart finds the directory immutable, and nothing from before (a
# credentials file, another profile) may survive. A symbolic link is removed, not followed.
if [ -L "$config_dir" ]; then
  rm -f -- "$config_dir"
elif [ -e "$config_dir" ]; then
  "$chattr_cmd" -R -i -- "$config_dir"
  rm -rf -- "$config_dir"
fi
umask 022
mkdir -m 0755 -- "$config_dir"
mkdir -m 0755 -- "$config_dir/cli"
mkdir -m 0700 -- "$config_dir/cli/cache"
cat >"$config" <<CONFIG
[default]
role_arn = $role_arn
credential_source = Ec2InstanceMetadata
role_session_name = $name
sts_regional_endpoints = regional
region = $region
CONFIG
chmod 0644 -- "$config"
"$chown_cmd" root:root -- "$config_dir" "$config_dir/cli" "$config"
"$chown_cmd" "$owner" -- "$config_dir/cli/cache"
"$chattr_cmd" +i -- "$config" "$config_dir/cli" "$config_dir"
log "default profile of ${owner%%:*} assumes $role_arn as session $name in $region; $config_dir is root's and immutable"
