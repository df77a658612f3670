#!/bin/sh
# Install the Debian packages of tests/packages.txt, when missing.
#
#   sh tests/deps.sh [GROUP...]     the groups' packages (default: build test;
#                                   "all": every group)
#   sh tests/deps.sh --list [GROUP...]   print them, one a line
#
# As root this runs apt-get; otherwise it prints the command to run.
set -e
list=$(dirname "$0")/packages.txt
listonly=
if [ "${1-}" = --list ]; then
	listonly=1
	shift
fi
[ $# -gt 0 ] || set -- build test

# The packages of the groups named in $@, in the file's order.
pkgs=$(awk -v want=" $* " '
	{ sub(/#.*/, ""); gsub(/[ \t]+/, "") }
	/^\[.*\]$/ { g = substr($0, 2, length($0) - 2); next }
	$0 != "" && (index(want, " " g " ") || want == " all ") { print }
' "$list")
if [ -z "$pkgs" ]; then
	echo "deps: no packages in group(s) $* of $list" >&2
	exit 2
fi
if [ -n "$listonly" ]; then
	echo "$pkgs"
	exit 0
fi

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
