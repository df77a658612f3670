/* tlsfiles.c - read and check the TLS files before the first request. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "tlsfiles.h"
#include "util.h"

#define TLS_FILE_MAX (16u << 20) /* a CA bundle is well under 1 MiB */

/* Append the file at path to *buf; returns 0, or an errno value (EFBIG when
 * the total would pass TLS_FILE_MAX, EISDIR when it is not a regular file). */
static int slurp(const char *path, char **buf, size_t *len, size_t *cap)
{
	struct stat st;
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), e = 0;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return EISDIR;
	}
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || *len + (size_t)n > TLS_FILE_MAX) {
			e = n < 0 ? errno : EFBIG;
			break;
		}
		if (*len + (size_t)n + 2 > *cap) {
			*cap = (*len + (size_t)n + 2) * 2;
			*buf = xreallocarray(*buf, *cap, 1);
		}
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
	}
	close(fd);
	if (e == 0 && *buf) {
		(*buf)[(*len)++] = '\n'; /* the next file starts on its own line */
		(*buf)[*len] = '\0';
	}
	return e;
}

/* Does text hold a "-----BEGIN <...kind>-----" line? */
static int has_pem(const char *text, size_t len, const char *kind)
{
	const char *p = text, *end = text + len, *nl;
	size_t k = strlen(kind);

	while (p && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (strncmp(p, "-----BEGIN ", 11) == 0) {
			const char *e = nl;

			while (e > p && (e[-1] == '\r' || e[-1] == ' '))
				e--;
			if ((size_t)(e - p) >= 11 + k + 5 &&
			    strncmp(e - k - 5, kind, k) == 0 &&
			    strncmp(e - 5, "-----", 5) == 0)
				return 1;
		}
		p = nl + 1;
	}
	return 0;
}

static int cannot(struct error *err, const char *from, const char *path, int e)
{
	return error_set(err, ST_CONFIG, "%s: %s: %s", from, path,
	                 e == EISDIR ? "not a regular file" :
	                 e == EFBIG  ? "larger than 16 MiB" :
	                               strerror(e));
}

/* One PEM file of kind; kept in *buf when buf is not NULL. */
static int check_file(const char *path, const char *from, const char *kind,
                      const char *what, char **keep, size_t *keep_len,
                      struct error *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int e = slurp(path, &buf, &len, &cap), rc = ST_OK;

	if (e != 0)
		rc = cannot(err, from, path, e);
	else if (!has_pem(buf ? buf : "", len, kind))
		rc = error_set(err, ST_CONFIG, "%s: %s: no PEM %s in it", from,
		               path, what);
	else if (strcmp(kind, "PRIVATE KEY") == 0 &&
	         (has_pem(buf, len, "ENCRYPTED PRIVATE KEY") ||
	          memmem(buf, len, "Proc-Type: 4,ENCRYPTED", 22)))
		rc = error_set(err, ST_CONFIG,
		               "%s: %s: the key is encrypted, and vaultrun cannot "
		               "ask for its passphrase",
		               from, path);
	if (rc == ST_OK && keep) {
		*keep = buf;
		*keep_len = len;
		return ST_OK;
	}
	wipe_free(buf, cap); /* a key file is a credential */
	return rc;
}

/* Every regular file of dir that holds a certificate, concatenated. */
static int load_dir(struct tlsfiles *t, const char *dir, const char *from,
                    struct error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0, before;
	char *path;
	int e;

	if (d == NULL)
		return cannot(err, from, dir, errno);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		before = t->len;
		e = slurp(path, &t->ca, &t->len, &cap);
		free(path);
		if (e == EFBIG) {
			closedir(d);
			return cannot(err, from, dir, e);
		}
		/* Not a certificate (a CRL, a README, a subdirectory): skipped,
		 * as Vault's CLI skips what it cannot parse. */
		if (e != 0 ||
		    !has_pem(t->ca + before, t->len - before, "CERTIFICATE"))
			t->len = before;
	}
	closedir(d);
	if (t->len == 0)
		return error_set(err, ST_CONFIG,
		                 "%s: %s: no PEM certificate in the directory",
		                 from, dir);
	t->ca[t->len] = '\0';
	return ST_OK;
}

int tlsfiles_load(struct tlsfiles *t, const struct fetch_opts *o, struct error *err)
{
	int rc = ST_OK;

	memset(t, 0, sizeof *t);
	if (o->ca_cert)
		rc = check_file(o->ca_cert, o->ca_cert_from, "CERTIFICATE",
		                "certificate", &t->ca, &t->len, err);
	else if (o->ca_path)
		rc = load_dir(t, o->ca_path, o->ca_path_from, err);
	if (rc == ST_OK && o->client_cert)
		rc = check_file(o->client_cert, o->client_cert_from,
		                "CERTIFICATE", "certificate", NULL, NULL, err);
	if (rc == ST_OK && o->client_key)
		rc = check_file(o->client_key, o->client_key_from,
		                "PRIVATE KEY", "private key", NULL, NULL, err);
	if (rc != ST_OK)
		tlsfiles_free(t);
	return rc;
}

void tlsfiles_free(struct tlsfiles *t)
{
	free(t->ca);
	memset(t, 0, sizeof *t);
}
