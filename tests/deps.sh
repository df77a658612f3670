#!/bin/sh
# Install the Debian packages vaultrun builds and tests with, when missing.
# As root this runs apt-get; otherwise it prints the command to run.
set -e
pkgs="build-essential pkg-config libcurl4-openssl-dev libinih-dev libjansson-dev
python3 python3-pytest openssl nginx-light mandoc valgrind curl jq"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >/dev/null
else
	echo "deps: missing packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
