#!/bin/sh
# /usr/local/libexec/s3-backup.sh, run by cron as
#   vaultrun -q -f /etc/vaultrun/s3-backup.ini -- /usr/local/libexec/s3-backup.sh
# (see crontab).  The AWS CLI takes the keys and the region
# from the environment vaultrun built; the endpoint is passed on the command
# line, since the AWS CLI before 2.13 (Debian 12's awscli is 2.9) ignores
# AWS_ENDPOINT_URL.  Uploads the day's dumps that pg-backup.sh wrote.
set -eu

dir=${BACKUP_DIR:-/var/backups/postgres}
day=$(date -u +%Y-%m-%d)

for f in "$dir"/*-"$day".dump; do
	[ -e "$f" ] || { echo "s3-backup: no dump for $day in $dir" >&2; exit 1; }
	aws ${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"} \
		s3 cp --only-show-errors "$f" "s3://$BACKUP_BUCKET/postgres/$day/"
done
