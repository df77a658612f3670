/* plan.h - what to resolve: variables, their references, distinct reads.
 *
 * Built from the manifest and the inherited environment (inline "vault:"
 * references), before any network traffic: references are parsed, mounts
 * named in [mounts] are applied, and every distinct (path, version) becomes
 * one item, fetched once however many variables use it (its mounts, and
 * the merging of items that read the same secret: mounts.h).  resolve.c
 * fills in the rest (detected mounts, answers); main.c reports from it.
 */
#ifndef VAULTRUN_PLAN_H
#define VAULTRUN_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "lease.h"
#include "manifest.h"
#include "profile.h"
#include "ref.h"
#include "secret.h"
#include "status.h"
#include "template.h"

/* An index into plan.vars, plan.items or plan.mounts: 32 bits, as the
 * plan's item table already holds them (planix.h), so that the per-item and
 * per-variable structs stay small; NO_INDEX is none. */
typedef uint32_t pindex;
#define NO_INDEX ((pindex)-1)

struct ppiece { /* one ${REFERENCE} of a composed value */
	struct ref ref;
	struct secret value; /* the selected value, before its filters */
	pindex item;         /* index into plan.items; NO_INDEX: literal text */
};

/* What a profile, a composed value or a variable with a [defaults] entry
 * adds to it: most variables have none (pvar.ext NULL). */
struct pext {
	const char *ptype; /* a profile's type = and prefix =, or NULL */
	const char *pprefix;
	struct pexport *exports; /* a profile's variables, when resolved */
	size_t nexports;
	struct template *tpl;  /* a composed value ("${" in [env] or [files]) */
	struct ppiece *pieces; /* one per template piece; item NO_INDEX then */
	const char *fallback;  /* the [defaults] value, or NULL */
	char *missing; /* why the value is the fallback (a 404, a missing key) */
	char *reason;  /* why the variable failed (pvar.status), or NULL */
};

/* A shared failure's number + 1 (plan.shared), or 0, in 24 bits: a run has a
 * few such causes (no token, Vault unreachable, the login failed); a cause
 * past the first PLAN_SHARED_MAX is not shared, its items keep their own
 * reasons only. */
#define PLAN_SHARED_MAX ((1u << 24) - 1)

/* Names, references and profile settings are borrowed from the manifest and
 * the environment (an inline variable's name is in the plan's arena), which
 * outlive the plan: 100,000 references plan without each string being
 * copied again.  What the reference reads is its item's (path, version);
 * what it selects there, sel and plan_selector.  56 bytes: a run's
 * variables are most of its plan. */
struct pvar {                 /* a variable, or a [profile] (many variables) */
	const char *name;     /* the variable's, or the profile's */
	const char *reftext;  /* the reference as written */
	struct secret value;  /* when resolved */
	struct pext *ext;     /* a profile's, a composed value's, a default's,
	                      * a failure's reason */
	unsigned line;        /* in plan.file; 0 for the environment */
	pindex item;          /* index into plan.items */
	int status;           /* ST_OK or why it failed */
	unsigned shared : 24; /* as pitem.shared */
	unsigned sel : 2;     /* enum sel_kind */
	unsigned section : 2; /* enum msection: MS_ENV, MS_FILES or MS_PROFILE */
	unsigned is_inline : 1;  /* from a vault: variable in the environment */
	unsigned superseded : 1; /* inline, and a profile sets the same name */
	unsigned defaulted : 1;  /* value is ext->fallback */
};

struct pmount {
	char *path;   /* "secret", "team/kv" */
	int kv;       /* 1 or 2; 0 while unknown (fallback guessing) */
	int declared; /* from [mounts] */
	char *engine; /* not KV: its type ("database", "dynamic"), else NULL */
};

struct pitem {            /* 64 bytes */
	const char *path; /* the logical path (its first variable's ref) */
	unsigned long version;
	char *reason;
	struct jdoc *doc;               /* the secret object, when read */
	const struct mrequest *request; /* [request PATH]: written, or NULL */
	struct lease *lease; /* the answer's, when it has one (an id), else
	                      * NULL: most answers have none */
	uint32_t rest_at; /* where plan_rest starts in path; 0 while unknown */
	pindex mount;     /* index into plan.mounts; NO_INDEX while unknown */
	pindex alias; /* another item reading the same secret, or NO_INDEX */
	unsigned status : 8;  /* ST_OK or why it failed */
	unsigned shared : 24; /* a shared failure's number + 1, or 0 */
};

struct plan {
	struct pvar *vars; /* manifest order, then inline in environment order */
	size_t nvars;
	struct pitem *items;
	size_t nitems;
	struct pmount *mounts;
	size_t nmounts;
	struct error problem; /* status 0, or what is wrong with the manifest
	                         beyond its variables (an unused [request]) */
	char **shared; /* failures many variables share, each said once */
	size_t nshared;
	const char *file; /* the manifest's name (borrowed), or NULL */
	void *index;      /* private to plan.c and mounts.c (planix.h) */
};

/* Build the plan.  m may be NULL; env is the inherited environment.  Bad
 * references do not stop the build: each such variable (or item) gets
 * ST_CONFIG and a reason, and the first one's status is returned, so that
 * every bad reference can be reported before any request is made. */
int plan_build(struct plan *p, const struct manifest *m, char *const *env);
void plan_free(struct plan *p);

/* "file:line" or "environment", for messages; returns buf or a constant. */
const char *plan_where(const struct plan *p, const struct pvar *v, char *buf,
                       size_t cap);

/* The item a variable reads, following aliases (NULL for a composed
 * value: its pieces read, each through plan_item_at). */
struct pitem *plan_item(struct plan *p, const struct pvar *v);
/* What v selects in its item's secret: the key or JSON pointer after the
 * reference's '#' (a suffix of reftext), "value" without one, "" (the
 * whole object) for a profile without one; NULL for SEL_WHOLE. */
const char *plan_selector(const struct pvar *v);
/* Why v failed, or NULL. */
const char *plan_var_reason(const struct pvar *v);
/* The path below the item's mount (a KV v2 "data/" removed), a suffix of
 * it->path; NULL until mounts_assign. */
const char *plan_rest(const struct pitem *it);

/* v's template, or NULL when it is not a composed value. */
struct template *plan_template(const struct pvar *v);

/* Item i, following aliases; NULL for NO_INDEX. */
struct pitem *plan_item_at(struct plan *p, size_t i);

/* Item it's lease id, or NULL. */
const char *plan_lease_id(const struct pitem *it);

/* Record a failure on a variable or an item (reason is copied). */
void plan_fail_var(struct pvar *v, int status, const char *reason);
void plan_fail_item(struct pitem *it, int status, const char *reason);
/* v did not fail after all (an inline reference a profile supersedes). */
void plan_unfail_var(struct pvar *v);

/* Fail an item with a cause that many share (no token, say): the cause is
 * reported once, before the variables it failed, which give the shorter
 * reason.  Causes of the same text are one. */
void plan_fail_item_shared(struct plan *p, struct pitem *it, int status,
                           const char *cause, const char *reason);

#endif
