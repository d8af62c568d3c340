#!/bin/bash
# Default lifecycle script of studio-private's JupyterLab and Code Editor apps; it runs
# as the space's user each time an app starts. The domain is VpcOnly with no route to
# the internet, so pip's default (15 s timeout, 5 retries per request) makes every
# `pip install` from PyPI hang for minutes before it fails. Make it fail at once with a
# clear error instead, until a private package repository is configured.
set -euo pipefail

pip_config_dir="${HOME}/.config/pip"
mkdir -p "${pip_config_dir}"
cat > "${pip_config_dir}/pip.conf" <<'CONF'
[global]
timeout = 3
retries = 0
CONF
