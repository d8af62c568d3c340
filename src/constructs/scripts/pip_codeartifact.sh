# pip through the stack's CodeArtifact repository: a fragment of the on-start script (no
# `#!` line; the composed script runs it in a subshell with `set -euo pipefail`).
#
# pip cannot authenticate to CodeArtifact by itself: its index URL has to carry a token
# from `aws codeartifact get-authorization-token` (at most 12 hours), obtained here with
# the instance's own role. The region and account come from the instance's resource
# metadata (the ARN of the notebook instance or Studio app), so nothing is downloaded and
# the script needs no other endpoint than codeartifact.api and codeartifact.repositories.
#
# On a notebook instance (as root) it installs a root-owned refresher that writes the
# site-wide /etc/pip.conf, runs it, and has cron renew the token every 6 hours, so pip
# keeps working on a notebook that runs longer than a token lives. In a Studio app (as the
# space's user) it sets the user's pip configuration; every app start renews it.
#
# Paths and commands can be replaced through the environment for tests; the defaults are
# the real ones.
export PATH="${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
metadata_file="${PIP_INDEX_METADATA:-/opt/ml/metadata/resource-metadata.json}"
target='@TARGET@'
domain='@DOMAIN@'
repository='@REPOSITORY@'

# {"ResourceArn": "arn:<partition>:sagemaker:<region>:<account>:<type>/<name>", ...}
arn="$(sed -n 's/.*"ResourceArn"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$metadata_file" | head -n 1)"
IFS=: read -r _ _ _ region account _ <<<"$arn"
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ && "$account" =~ ^[0-9]{12}$ ]] || {
  echo "pip-index: error: cannot read the region and account from '$arn' in $metadata_file" >&2
  exit 1
}
host="${domain}-${account}.d.codeartifact.${region}.amazonaws.com"

case "$target" in
notebook-instance)
  refresher="${PIP_INDEX_REFRESHER:-/usr/local/sbin/sagesynth-pip-index}"
  cron_file="${PIP_INDEX_CRON_FILE:-/etc/cron.d/sagesynth-pip-index}"
  pip_conf="${PIP_INDEX_CONF:-/etc/pip.conf}"
  umask 022
  mkdir -p -- "$(dirname -- "$refresher")"
  cat >"$refresher" <<REFRESH
#!/bin/bash
# Writes $pip_conf with a fresh CodeArtifact token (sagesynth's pip index set-up).
set -euo pipefail
export PATH="$PATH"
token="\$(aws codeartifact get-authorization-token --region $region --domain $domain --domain-owner $account --duration-seconds 43200 --query authorizationToken --output text)"
tmp="\$(mktemp "$pip_conf.XXXXXX")"
printf '[global]\nindex-url = https://aws:%s@$host/pypi/$repository/simple/\n' "\$token" >"\$tmp"
chmod 0644 -- "\$tmp"
mv -f -- "\$tmp" "$pip_conf"
REFRESH
  chmod 0755 -- "$refresher"
  "$refresher"
  echo "17 */6 * * * root $refresher 2>&1 | logger -t sagesynth-pip-index" >"$cron_file"
  chmod 0644 -- "$cron_file"
  echo "pip-index: pip reads $host/pypi/$repository (token renewed every 6 hours by $refresher)"
  ;;
studio-app)
  token="$(aws codeartifact get-authorization-token --region "$region" --domain "$domain" --domain-owner "$account" --duration-seconds 43200 --query authorizationToken --output text)"
  pip config --user set global.index-url "https://aws:${token}@${host}/pypi/${repository}/simple/" >/dev/null
  echo "pip-index: pip reads $host/pypi/$repository (until the app restarts or 12 hours pass)"
  ;;
*)
  echo "pip-index: error: unknown target $target" >&2
  exit 1
  ;;
esac
