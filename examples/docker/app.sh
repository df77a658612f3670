#!/bin/sh
# A stand-in application: it uses its secrets without printing them.
set -eu
: "${DATABASE_PASSWORD:?not set}" "${API_KEY:?not set}"
echo "app: DATABASE_PASSWORD has ${#DATABASE_PASSWORD} bytes, API_KEY ${#API_KEY}"
case ${VAULT_TOKEN+set} in set) echo "app: VAULT_TOKEN should not be here" >&2; exit 1 ;; esac
exec sleep infinity
