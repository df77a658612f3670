/* outfile.c - standard output, or a file replaced atomically, mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "util.h"

/* The directory part of path ("." when none) and where its base starts. */
static char *dir_of(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*base = path;
		return xstrdup(".");
	}
	*base = slash + 1;
	return slash == path ? xstrdup("/") :
	                       xstrndup(path, (size_t)(slash - path));
}

/* What stands at path, checked without following a link. */
static int check_target(const char *path, struct error *err)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? ST_OK :
		                         error_set(err, ST_OSERR, "-o %.200s: %s",
		                                   path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return error_set(err, ST_CONFIG,
		                 "-o %.200s: is a symbolic link, which vaultrun "
		                 "never writes through: name the file itself",
		                 path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, ST_CONFIG,
		                 "-o %.200s: exists and is not a regular file "
		                 "(-o replaces a file)",
		                 path);
	return ST_OK;
}

static int is_stdout(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

int outfile_check(const char *path, struct error *err)
{
	const char *base;
	char *dir;
	struct stat st;
	int rc;

	if (is_stdout(path))
		return isatty(STDOUT_FILENO) ?
		               error_set(err, ST_USAGE,
		                         "--export: standard output is a "
		                         "terminal: redirect it, pipe it or "
		                         "use -o FILE") :
		               ST_OK;
	dir = dir_of(path, &base);
	if (*base == '\0')
		rc = error_set(err, ST_CONFIG,
		               "-o %.200s: names a directory, not a file", path);
	else if (stat(dir, &st) != 0)
		rc = error_set(err, errno == ENOENT ? ST_NOINPUT : ST_OSERR,
		               "-o %.200s: directory %.200s: %s", path, dir,
		               strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rc = error_set(err, ST_CONFIG,
		               "-o %.200s: %.200s is not a directory", path, dir);
	else
		rc = check_target(path, err);
	free(dir);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Standard output, with SIGPIPE ignored: a reader gone is an error that
 * travels up (and revokes the leases), not a death by signal. */
static int write_stdout(const void *p, size_t len, struct error *err)
{
	struct sigaction ign, old;
	int rc, e;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	rc = write_all(STDOUT_FILENO, p, len);
	e = errno;
	sigaction(SIGPIPE, &old, NULL);
	if (rc != 0)
		return error_set(err, ST_OSERR, "writing standard output: %s",
		                 strerror(e));
	return ST_OK;
}

/* Create ".BASE.vaultrun-XXXXXXXXXXXX" in dfd, mode 0600, never existing
 * before; its name goes into tmp ("" when none was created). */
static int create_temp(int dfd, const char *base, char *tmp, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[6];
	char x[13];
	int tries, fd = -1, i;

	for (tries = 0; tries < 16 && fd < 0; tries++) {
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			break;
		for (i = 0; i < 6; i++) {
			x[2 * i] = hex[r[i] >> 4];
			x[2 * i + 1] = hex[r[i] & 15];
		}
		x[12] = '\0';
		snprintf(tmp, cap, ".%.200s.vaultrun-%s", base, x);
		fd = openat(dfd, tmp,
		            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		            0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		tmp[0] = '\0'; /* not ours: never to be removed */
	return fd;
}

/* The new file in dfd, whole, on disk and closed, its name in tmp: NULL,
 * or the step that failed with errno set. */
static const char *write_temp(int dfd, const char *base, char *tmp, size_t cap,
                              const void *p, size_t len)
{
	const char *step = NULL;
	int fd = create_temp(dfd, base, tmp, cap), e = 0;

	if (fd < 0)
		return "creating a file in its directory";
	if (fchmod(fd, 0600) != 0) /* whatever the umask was */
		step = "fchmod";
	else if (write_all(fd, p, len) != 0)
		step = "writing";
	else if (fsync(fd) != 0)
		step = "fsync";
	e = errno;
	if (close(fd) != 0 && step == NULL)
		return "closing";
	errno = e;
	return step;
}

int outfile_write(const char *path, const void *p, size_t len, struct error *err)
{
	const char *base, *step;
	char tmp[256] = "";
	char *dir;
	int dfd, rc, e;

	if ((rc = outfile_check(path, err)) != ST_OK)
		return rc;
	if (is_stdout(path))
		return write_stdout(p, len, err);
	dir = dir_of(path, &base);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	step = dfd < 0 ? "opening its directory" :
	                 write_temp(dfd, base, tmp, sizeof tmp, p, len);
	/* Checked again: a link may have appeared meanwhile. */
	if (step == NULL && (rc = check_target(path, err)) == ST_OK) {
		if (renameat(dfd, tmp, dfd, base) != 0)
			step = "renaming the new file over it";
		else
			tmp[0] = '\0'; /* it is path now */
	}
	e = errno;
	if (tmp[0] != '\0')
		unlinkat(dfd, tmp, 0);
	if (dfd >= 0) {
		if (step == NULL && rc == ST_OK)
			fsync(dfd); /* the rename itself, durable */
		close(dfd);
	}
	free(dir);
	if (step != NULL)
		return error_set(err, ST_OSERR, "-o %.200s: %s: %s", path, step,
		                 strerror(e));
	return rc;
}
