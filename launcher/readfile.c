/* readfile.c - read a manifest or credential file, refusing unsafe ones. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"
#include "util.h"

static int read_all(int fd, const char *path, const char *what, size_t cap,
                    struct secret *out, struct error *err)
{
	size_t len = 0, size = 4096;
	char *buf = xmalloc(size);
	ssize_t n;

	for (;;) {
		if (len == size) {
			char *bigger;

			if (size > cap) {
				wipe_free(buf, size);
				return error_set(err, ST_CONFIG,
				                 "%s: %s is larger than %zu bytes",
				                 path, what, cap);
			}
			bigger = xmalloc(size * 2);
			memcpy(bigger, buf, len);
			wipe_free(buf, size);
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			wipe_free(buf, size);
			return error_set(err, ST_OSERR, "%s: cannot read %s: %s",
			                 path, what, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > cap) {
		wipe_free(buf, size);
		return error_set(err, ST_CONFIG, "%s: %s is larger than %zu bytes",
		                 path, what, cap);
	}
	secret_set(out, buf, len);
	wipe_free(buf, size);
	return ST_OK;
}

int readfile_private(const char *path, const char *what, size_t cap,
                     struct secret *out, struct error *err)
{
	struct stat st;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return read_all(0, "(stdin)", what, cap, out, err);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			return error_set(err, ST_NOINPUT,
			                 "%s: %s does not exist", path, what);
		return error_set(err, e == EACCES ? ST_NOINPUT : ST_OSERR,
		                 "%s: cannot open %s: %s", path, what,
		                 strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		int e = errno;

		close(fd);
		return error_set(err, ST_OSERR, "%s: cannot stat %s: %s", path,
		                 what, strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return error_set(err, ST_CONFIG, "%s: %s is a directory", path,
		                 what);
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(fd);
		return error_set(err, ST_CONFIG,
		                 "%s: %s is writable by %s; refusing it (chmod go-w)",
		                 path, what,
		                 (st.st_mode & S_IWOTH) ? "others" : "its group");
	}
	if (S_ISREG(st.st_mode) && st.st_uid != 0 && st.st_uid != geteuid() &&
	    st.st_uid != getuid()) {
		close(fd);
		return error_set(err, ST_CONFIG,
		                 "%s: %s is owned by uid %lu, not by root or the "
		                 "caller; refusing it",
		                 path, what, (unsigned long)st.st_uid);
	}
	rc = read_all(fd, path, what, cap, out, err);
	close(fd);
	return rc;
}
