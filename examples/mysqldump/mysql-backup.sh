#!/bin/sh
# Run under vaultrun -f /etc/vaultrun/mysql-backup.ini.  The user and password
# come from the option file vaultrun made; --defaults-extra-file must be the
# first option.
set -eu
umask 077

dir=${BACKUP_DIR:-/var/backups/mysql}
out="$dir/$MYSQL_DATABASE-$(date -u +%Y-%m-%d).sql"
mkdir -p "$dir"

# No pipe into gzip: sh has no pipefail, and a failed dump must fail the job.
mysqldump --defaults-extra-file="$MYSQL_DEFAULTS_FILE" \
	--single-transaction --routines --triggers \
	--result-file="$out.partial" "$MYSQL_DATABASE"
gzip -f "$out.partial"
mv "$out.partial.gz" "$out.gz"
