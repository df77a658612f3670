#!/bin/sh
# curl_jq.sh - the baseline users write today: one `curl | jq` per variable,
# one after the other, then exec the command.
#
#   VAULT_ADDR=... VAULT_TOKEN=... sh curl_jq.sh LIST -- command [argument ...]
#
# LIST has one "NAME API-PATH" pair a line (API-PATH as in secret/data/app/db);
# each variable gets the secret's "value" key.
set -eu
list=$1
shift
[ "${1-}" = "--" ] && shift
while read -r name path; do
	val=$(curl -sSf -H "X-Vault-Token: $VAULT_TOKEN" "$VAULT_ADDR/v1/$path" |
		jq -er '.data.data.value') || exit 1
	export "$name=$val"
done <"$list"
exec "$@"
