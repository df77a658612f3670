#!/bin/sh
# Run under vaultrun -f /etc/vaultrun/s3-backup.ini.  The AWS CLI takes the
# keys, region and endpoint from the environment vaultrun built.
set -eu

dir=${BACKUP_DIR:-/var/backups/postgres}
day=$(date -u +%Y-%m-%d)

# The AWS CLI 2.9 of Debian 12 ignores AWS_ENDPOINT_URL (2.13 reads it):
# name the endpoint on the command line, which every version takes.
endpoint=
[ -z "${AWS_ENDPOINT_URL:-}" ] || endpoint=--endpoint-url=$AWS_ENDPOINT_URL

for f in "$dir"/*-"$day".dump; do
	[ -e "$f" ] || { echo "s3-backup: no dump for $day in $dir" >&2; exit 1; }
	aws ${endpoint:+"$endpoint"} s3 cp --only-show-errors "$f" \
		"s3://$BACKUP_BUCKET/postgres/$day/"
done
