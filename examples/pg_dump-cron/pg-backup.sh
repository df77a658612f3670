#!/bin/sh
# /usr/local/libexec/pg-backup.sh: run by cron under vaultrun, which has put
# PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE into the
# environment.  Writes one custom-format dump per day and keeps two weeks of them.
set -eu
umask 077

dir=${BACKUP_DIR:-/var/backups/postgres}
day=$(date -u +%Y-%m-%d)
tmp="$dir/.$PGDATABASE-$day.dump.partial"

mkdir -p "$dir"
# pg_dump takes everything from the environment: no password on the
# command line, where ps(1) would show it.
pg_dump --format=custom --no-password --file="$tmp"
mv "$tmp" "$dir/$PGDATABASE-$day.dump"

# Keep two weeks.
find "$dir" -maxdepth 1 -name '*.dump' -mtime +14 -exec rm -f -- {} +
