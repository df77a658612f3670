#!/bin/sh
# Run under vaultrun -f /etc/vaultrun/s3-backup.ini.  The AWS CLI takes the
# keys, region and endpoint from the environment vaultrun built.
set -eu

dir=${BACKUP_DIR:-/var/backups/postgres}
day=$(date -u +%Y-%m-%d)

for f in "$dir"/*-"$day".dump; do
	[ -e "$f" ] || { echo "s3-backup: no dump for $day in $dir" >&2; exit 1; }
	aws s3 cp --only-show-errors "$f" "s3://$BACKUP_BUCKET/postgres/$day/"
done
