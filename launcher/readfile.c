/* readfile.c - read a manifest or credential file, refusing unsafe ones. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"
#include "util.h"

static double deadline; /* now_ms() value; 0: none */

void readfile_set_deadline(double ms)
{
	deadline = ms;
}

/* Standard input may be a pipe that never closes: wait for it no longer
 * than the deadline.  0 when fd is readable (or at its end). */
static int wait_readable(int fd)
{
	struct pollfd p;
	double left;
	int n;

	if (deadline <= 0)
		return 0;
	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return -1;
		p.fd = fd;
		p.events = POLLIN;
		n = poll(&p, 1, left > 1000 ? 1000 : (int)left + 1);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 0; /* let read() report it */
	}
}

/* size: the first buffer's, room for the whole file when it is known. */
static int read_all(int fd, const char *path, const char *what, size_t cap,
                    size_t size, struct secret *out, struct error *err)
{
	size_t len = 0;
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
		if (wait_readable(fd) != 0) {
			wipe_free(buf, size);
			return error_set(err, ST_TEMPFAIL,
			                 "%s: deadline passed while reading the %s",
			                 path, what);
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
	/* Handed over, not copied: read() wrote only the first len bytes
	 * (and the loop leaves room for the terminator). */
	buf[len] = '\0';
	secret_wipe(out);
	out->p = buf;
	out->len = len;
	return ST_OK;
}

int readfile_private(const char *path, const char *what, size_t cap,
                     struct secret *out, struct error *err)
{
	struct stat st;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return read_all(0, "(stdin)", what, cap, 4096, out, err);
	/* O_NONBLOCK: opening a FIFO would wait for a writer.  No O_NOFOLLOW:
	 * Kubernetes mounts service account tokens and ConfigMaps through
	 * symbolic links; what is checked is the file opened. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, ST_CONFIG,
		                 "%s: %s is not a regular file (%s); refusing it",
		                 path, what,
		                 S_ISFIFO(st.st_mode) ? "a FIFO" :
		                 S_ISSOCK(st.st_mode) ? "a socket" :
		                 S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ?
		                                        "a device" :
		                                        "not a plain file");
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(fd);
		return error_set(err, ST_CONFIG,
		                 "%s: %s is writable by %s; refusing it (chmod go-w)",
		                 path, what,
		                 (st.st_mode & S_IWOTH) ? "others" : "its group");
	}
	if (st.st_uid != 0 && st.st_uid != geteuid() && st.st_uid != getuid()) {
		close(fd);
		return error_set(err, ST_CONFIG,
		                 "%s: %s is owned by uid %lu, not by root or the "
		                 "caller; refusing it",
		                 path, what, (unsigned long)st.st_uid);
	}
	/* A regular file's size is known: one buffer, one read (and the one
	 * that finds its end), whatever it grows to meanwhile. */
	rc = read_all(fd, path, what, cap,
	              S_ISREG(st.st_mode) && (size_t)st.st_size < cap ?
	                      (size_t)st.st_size + 1 :
	                      4096,
	              out, err);
	close(fd);
	return rc;
}
