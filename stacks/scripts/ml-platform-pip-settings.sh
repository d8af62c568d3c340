#!/bin/bash
# Default lifecycle script of ml-platform's JupyterLab and Code Editor apps; it runs as the
# space's user each time an app starts, after sagesynth's generated part has pointed pip at
# the stack's CodeArtifact repository (the index URL with a token). It adds to that pip
# configuration instead of replacing it: `pip config set` keeps the other settings.
# CodeArtifact answers from inside the VPC, so a short timeout with one retry turns an
# unreachable repository into an error within seconds instead of minutes.
set -euo pipefail

pip config --user set global.timeout 10
pip config --user set global.retries 1
pip config --user set global.disable-pip-version-check true
