/* mounts.h - the plan's mounts, and which items read the same secret.
 *
 * An item's mount is known from [mounts] (plan_build, before any traffic)
 * or found later (detect.c, gen.c); assigning it gives the path below
 * the mount and merges items that read the same (mount, rest, version).
 * The mounts are plan.mounts, owned and freed by the plan. */
#ifndef VAULTRUN_MOUNTS_H
#define VAULTRUN_MOUNTS_H

#include <stddef.h>

#include "manifest.h"
#include "plan.h"

/* Find or add a mount by path; returns its index. */
size_t mounts_add(struct plan *p, const char *path, int kv, int declared);

/* Add m's [mounts] entries (m may be NULL), declared. */
void mounts_declare(struct plan *p, const struct manifest *m);

/* Assign each item below a [mounts] entry to the longest such entry. */
void mounts_assign_declared(struct plan *p);

/* Assign item i to mount index mi: compute rest (stripping an API-form
 * "data/" on KV v2), and merge it into an existing item that reads the same
 * (mount, rest, version).  ST_CONFIG when the path names the mount itself,
 * pins a version on KV v1 or on an engine that is not KV, or is a [request]
 * on a KV mount (the item is failed with the reason). */
int mounts_assign(struct plan *p, size_t i, size_t mi);

/* Every item's mount is known (or it failed): no merge can come, and the
 * index mounts_assign merges with (a slot per item) goes.  An item
 * assigned after this merges with none. */
void mounts_settled(struct plan *p);

/* How far item it's mount is known (engine.h), for engine_action. */
int mounts_kind(const struct plan *p, const struct pitem *it);

#endif
