#!/bin/sh
# Install the Debian packages vaultrun builds and tests with, when missing.
# As root this runs apt-get; otherwise it prints the command to run.
set -e
pkgs="build-essential pkg-config libcurl4-openssl-dev libinih-dev libjansson-dev
python3 python3-pytest openssl nginx-light mandoc valgrind curl jq awscli"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
# s3rver (npm): a local S3-compatible server for the s3-backup example's test
npm_missing=
command -v s3rver >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 ||
	npm_missing=s3rver@3.7.1
[ -z "$missing" ] && [ -z "$npm_missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	[ -z "$missing" ] || apt-get install -y -qq $missing >/dev/null
	[ -z "$npm_missing" ] || npm install -g --silent "$npm_missing" >/dev/null
else
	echo "deps: missing packages; run as root:" >&2
	[ -z "$missing" ] || echo "  apt-get install -y$missing" >&2
	[ -z "$npm_missing" ] || echo "  npm install -g $npm_missing" >&2
	exit 1
fi
