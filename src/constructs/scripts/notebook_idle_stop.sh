# Idle stop of sagesynth's notebook instances: a fragment of the OnStart script (no `#!`
# line; the composed script runs it in a subshell with `set -euo pipefail`, as root).
#
# Installs a root-owned checker and a cron entry that runs it every five minutes. The
# checker asks this notebook's own Jupyter server (its REST API on the loopback interface)
# for its kernels and terminals; when none is busy and the latest activity is older than
# the notebook's limit, it stops the notebook with the notebook's own credentials
# (sagemaker:StopNotebookInstance, which the execution role holds on this notebook only).
# Nothing is downloaded: the checker is Python with boto3 from the notebook image.
#
# Paths and commands can be replaced through the environment for tests; the defaults are
# the real ones.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
metadata_file="${IDLE_STOP_METADATA:-/opt/ml/metadata/resource-metadata.json}"
checker="${IDLE_STOP_CHECKER:-/usr/local/sbin/sagesynth-idle-stop}"
cron_file="${IDLE_STOP_CRON_FILE:-/etc/cron.d/sagesynth-idle-stop}"
pythons="${IDLE_STOP_PYTHONS:-/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python /home/ec2-user/anaconda3/bin/python /usr/bin/python3}"
chown_cmd="${IDLE_STOP_CHOWN:-chown}"

log() { echo "idle-stop: $*"; }

python=''
for candidate in $pythons; do
  if [ -x "$candidate" ] && "$candidate" -c 'import boto3' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
[ -n "$python" ] || {
  echo "idle-stop: error: no Python with boto3 among: $pythons" >&2
  exit 1
}

# {"ResourceArn": "arn:...:notebook-instance/<name>", "ResourceName": "<name>", ...}
name="$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ResourceName"])' "$metadata_file")"
arn="$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ResourceArn"])' "$metadata_file")"
[[ "$name" =~ ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$ ]] || {
  echo "idle-stop: error: unexpected notebook name: $name" >&2
  exit 1
}
IFS=: read -r _ _ _ region _ <<<"$arn"
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || {
  echo "idle-stop: error: cannot read the region from $arn" >&2
  exit 1
}

# Each notebook's limit in minutes, written in by sagesynth.
minutes=''
case "$name" in
@IDLE_LIMITS@
esac
if [ -z "$minutes" ]; then
  rm -f -- "$cron_file"
  log "notebook $name has no idle limit; nothing installed"
  exit 0
fi

umask 022
mkdir -p -- "$(dirname -- "$checker")"
{
  echo "#!$python"
  cat <<'PY'
"""Stops this notebook instance when its Jupyter server has been idle too long.

Arguments: limit in minutes, notebook name, region. Idle means: no kernel busy, and the
latest activity of every kernel and terminal (or the boot, when there is none) older
than the limit.
"""
import json
import ssl
import sys
import time
import urllib.request
from datetime import datetime, timezone

import boto3

limit_minutes, name, region = int(sys.argv[1]), sys.argv[2], sys.argv[3]
api = "https://localhost:8443/api/"
# The notebook's Jupyter server answers on the loopback interface with its own
# self-signed certificate; the request never leaves the instance.
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE


def get(path):
    with urllib.request.urlopen(api + path, context=context, timeout=10) as response:
        return json.load(response)


def parse(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


now = datetime.now(timezone.utc)
with open("/proc/uptime") as uptime:
    latest = datetime.fromtimestamp(time.time() - float(uptime.read().split()[0]), timezone.utc)
for item in get("kernels") + get("terminals"):
    if item.get("execution_state") == "busy":
        print("kernel %s is busy" % item.get("id"))
        sys.exit(0)
    if item.get("last_activity"):
        latest = max(latest, parse(item["last_activity"]))
idle = (now - latest).total_seconds() / 60
if idle < limit_minutes:
    print("idle for %.0f of %d minutes" % (idle, limit_minutes))
    sys.exit(0)
print("idle for %.0f minutes: stopping %s" % (idle, name))
boto3.client("sagemaker", region_name=region).stop_notebook_instance(NotebookInstanceName=name)
PY
} >"$checker"
chmod 0755 -- "$checker"
"$chown_cmd" root:root -- "$checker"
echo "*/5 * * * * root $checker $minutes $name $region 2>&1 | logger -t sagesynth-idle-stop" >"$cron_file"
chmod 0644 -- "$cron_file"
log "notebook $name stops after $minutes idle minutes (checked every 5 minutes by $checker)"
