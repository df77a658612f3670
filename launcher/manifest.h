/* manifest.h - the INI manifest, parsed with inih.
 *
 * Syntax and names only: references are kept as text and parsed later
 * (plan.c), which reports them with the line recorded here.
 */
#ifndef VAULTRUN_MANIFEST_H
#define VAULTRUN_MANIFEST_H

#include <stddef.h>

#include "status.h"

/* The [vault] keys, in the order the manual lists them. */
enum vkey {
	VK_ADDRESS,
	VK_NAMESPACE,
	VK_AUTH,
	VK_AUTH_MOUNT,
	VK_TOKEN_FILE,
	VK_ROLE_ID,
	VK_ROLE_ID_FILE,
	VK_SECRET_ID,
	VK_SECRET_ID_FILE,
	VK_ROLE,
	VK_JWT_FILE,
	VK_JWT_ENV,
	VK_CA_CERT,
	VK_CA_PATH,
	VK_CLIENT_CERT,
	VK_CLIENT_KEY,
	VK_TLS_SERVER_NAME,
	VK_SKIP_VERIFY,
	VK__COUNT
};

enum msection { MS_ENV, MS_FILES, MS_PROFILE }; /* MS_PROFILE: plan.c only */

struct mvar {       /* NAME = reference (or template), from [env] or [files] */
	char *name; /* name and ref: in the manifest's strings */
	char *ref;
	unsigned line;
	enum msection section;
	char *fallback; /* its [defaults] value (in the strings too), or NULL */
	unsigned fallback_line;
};

struct mmount {      /* [mounts] name = 1|2|dynamic */
	char *mount; /* without leading or trailing '/' */
	int version; /* 1 or 2; 0 for dynamic */
	int dynamic; /* not KV: paths are read as written */
	unsigned line;
};

struct mprofile { /* [profile NAME] */
	char *name;
	char *from;    /* required */
	char *type;    /* NULL: take the secret's own "type" */
	char *prefix;  /* NULL: the name upper-cased */
	unsigned line; /* of the section header */
};

struct mrequest {     /* [request PATH]: PATH is written with this body */
	char *path;   /* as written in the header, blanks trimmed */
	char **pairs; /* key, value, key, value, ...: the JSON body's strings */
	size_t npairs;
	unsigned line; /* of the section header */
};

struct arena;

struct manifest {
	char *file;             /* name used in messages */
	struct arena *strings;  /* the vars' names, references and defaults */
	char *vault[VK__COUNT]; /* NULL when not set */
	unsigned vault_line[VK__COUNT];
	struct mmount *mounts;
	size_t nmounts;
	struct mvar *vars; /* in file order */
	size_t nvars;
	struct mprofile *profiles;
	size_t nprofiles;
	struct mrequest *requests;
	size_t nrequests;
};

/* Read and parse the manifest at path ("-" reads standard input).
 * ST_NOINPUT when it does not exist; ST_CONFIG when it is writable by group
 * or others or owned by someone other than root and the caller, or when
 * parsing fails.  Messages start with "file:line: ". */
int manifest_load(const char *path, struct manifest **out, struct error *err);

/* Parse len bytes of text; name is used in messages.  Errors as above.
 * [vault] values are kept as written: see manifest_expand_vault. */
int manifest_parse(const char *name, const char *text, size_t len,
                   struct manifest **out, struct error *err);

/* Replace "${NAME}" in every [vault] value by lookup(NAME) ("$$" is '$'):
 * ST_CONFIG "file:line: ..." naming the variable when it is unset.
 * manifest_load does this with getenv. */
int manifest_expand_vault(struct manifest *m,
                          const char *(*lookup)(const char *name),
                          struct error *err);

/* The [env] and [files] entries are planned, and will not be again (no
 * rotation): their array goes, and m->nvars becomes 0.  Their names,
 * references and defaults stay in m's strings for the plan borrowing them. */
void manifest_drop_vars(struct manifest *m);

void manifest_free(struct manifest *m);

/* "address", "namespace", ... */
const char *manifest_vkey_name(enum vkey k);

#endif
