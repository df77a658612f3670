#!/bin/sh
# vaultrun demo: check a manifest against a local file:// store, then run a
# command that uses the secrets without showing them.
#
#   sh examples/demo.sh build/vaultrun
#
# Nothing here prints a secret value: the command prints each variable's
# length and the first 12 hex digits of its SHA-256.
set -eu

bin=${1:?usage: demo.sh path/to/vaultrun}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
demo=$(cd "$(dirname "$0")/demo" && pwd)

# vaultrun refuses a manifest or store that group or others may write.
chmod 600 "$demo/store.json" "$demo/demo.ini"

# Settings that would point vaultrun elsewhere.
unset VAULT_AGENT_ADDR VAULTRUN_FILE VAULT_NAMESPACE 2>/dev/null || true
export VAULT_ADDR="file://$demo/store.json"
# An inline reference: vaultrun replaces it by the secret.
export INLINE_SMTP_USER="vault:secret/demo/app#/smtp/username"

echo "== vaultrun --check -f examples/demo/demo.ini"
out=$("$bin" --check -f "$demo/demo.ini" 2>&1)
printf '%s\n' "$out"

# vaultrun's own output must hold no value of the store (of 4 bytes or more,
# the size below which masking stops).
if command -v python3 >/dev/null 2>&1; then
	printf '%s\n' "$out" | python3 -c '
import json, sys
def leaves(v):
    if isinstance(v, dict):  # the "type" of a profile is no secret
        for k, x in v.items():
            if k != "type":
                yield from leaves(x)
    elif isinstance(v, list):
        for x in v:
            yield from leaves(x)
    elif isinstance(v, str) and len(v.encode()) >= 4:
        yield v
out = sys.stdin.read()
store = json.load(open(sys.argv[1]))
bad = [p for p, s in store.items() for v in leaves(s) if v in out]
if bad:
    sys.exit("demo: vaultrun printed a value from " + ", ".join(sorted(set(bad))))
' "$demo/store.json"
fi

echo
echo "== vaultrun -f examples/demo/demo.ini -- sh -c '<uses the secrets>'"
# shellcheck disable=SC2016 # expanded by the inner shell
"$bin" -f "$demo/demo.ini" -- sh -c '
	show() {
		eval "v=\${$1-}"
		h=$(printf %s "$v" | sha256sum | cut -c1-12)
		printf "  %-22s %4d bytes  sha256 %s...\n" "$1" "${#v}" "$h"
	}
	for name in API_TOKEN APP_API_KEY CA_FINGERPRINT SMTP_HOST \
	    SMTP_PASSWORD SMTP_PORT APP_CONFIG INLINE_SMTP_USER \
	    PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE \
	    AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION \
	    AWS_DEFAULT_REGION AWS_ENDPOINT_URL; do
		show "$name"
	done
	# A [files] variable names a descriptor: read the file, not the name.
	lines=$(wc -l < "$TLS_CA")
	pem=no
	grep -q "^-----BEGIN CERTIFICATE-----$" "$TLS_CA" && pem=yes
	printf "  %-22s %s: %d lines, PEM certificate: %s\n" TLS_CA \
	    "$TLS_CA" "$lines" "$pem"
	case ${VAULT_TOKEN-unset} in unset) ;; *) echo "VAULT_TOKEN leaked"; exit 1 ;; esac
'
echo
echo "demo: ok"
