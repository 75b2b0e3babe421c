#!/usr/bin/env bash
# Deploy a folder to the File Cabinet from CI with nstba.
#
#   examples/ci/deploy.sh [SOURCE] TARGET      e.g. examples/ci/deploy.sh dist SuiteScripts/my-app
#
# Credentials come from the CI's secret variables, never from a file in the repository:
#   TBA:  NSTBA_ACCOUNT, NSTBA_CONSUMER_KEY, NSTBA_CONSUMER_SECRET, NSTBA_TOKEN_ID,
#         NSTBA_TOKEN_SECRET
#   M2M (OAuth 2.0 client credentials): NSTBA_ACCOUNT, NSTBA_CLIENT_ID, NSTBA_CERTIFICATE_ID,
#         and NSTBA_PRIVATE_KEY (the PEM itself) or NSTBA_PRIVATE_KEY_FILE
# nstba never prompts here (CI is set, or stdin is not a terminal) and exits non-zero on any
# failure: 3 when NetSuite rejects the credentials, 4 when some files failed, 5 on the network.
set -euo pipefail
if [ $# -eq 1 ]; then source=dist; target=$1; else source=${1:-dist}; target=${2:?usage: deploy.sh [SOURCE] TARGET}; fi
: "${NSTBA_ACCOUNT:?set NSTBA_ACCOUNT (and the TBA or M2M variables) in the CI secrets}"

nstba --version
# Fail early, with NetSuite's reason, if the credentials do not work.
nstba auth verify >/dev/null
# The summary as JSON for later steps (uploaded, skipped, failed files, seconds).
nstba deploy "$source" --target "$target" --json > nstba-deploy.json
echo "deployed $(jq -r '.uploaded' nstba-deploy.json 2>/dev/null || grep -o '"uploaded": [0-9]*' nstba-deploy.json) files to $target"
