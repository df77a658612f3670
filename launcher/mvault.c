/* mvault.c - [vault] keys: the table, the checks, ${NAME} expansion. */
#include <string.h>

#include "mvault.h"
#include "template.h"
#include "util.h"

static const char *const vkey_names[VK__COUNT] = {
	[VK_ADDRESS] = "address",
	[VK_NAMESPACE] = "namespace",
	[VK_AUTH] = "auth",
	[VK_AUTH_MOUNT] = "auth_mount",
	[VK_TOKEN_FILE] = "token_file",
	[VK_ROLE_ID] = "role_id",
	[VK_ROLE_ID_FILE] = "role_id_file",
	[VK_SECRET_ID] = "secret_id",
	[VK_SECRET_ID_FILE] = "secret_id_file",
	[VK_ROLE] = "role",
	[VK_JWT_FILE] = "jwt_file",
	[VK_JWT_ENV] = "jwt_env",
	[VK_CA_CERT] = "ca_cert",
	[VK_CA_PATH] = "ca_path",
	[VK_CLIENT_CERT] = "client_cert",
	[VK_CLIENT_KEY] = "client_key",
	[VK_TLS_SERVER_NAME] = "tls_server_name",
	[VK_SKIP_VERIFY] = "skip_verify",
};

int mvault_set(struct manifest *m, const char *name, const char *value,
               unsigned line, struct error *err)
{
	int k;

	for (k = 0; k < VK__COUNT; k++)
		if (strcmp(name, vkey_names[k]) == 0)
			break;
	if (k == VK__COUNT)
		return error_set(err, ST_CONFIG,
		                 "%s:%u: unknown key '%s' in [vault]", m->file,
		                 line, name);
	if (m->vault[k] != NULL)
		return error_set(err, ST_CONFIG,
		                 "%s:%u: duplicate key '%s' in [vault] (first set "
		                 "at line %u)",
		                 m->file, line, name, m->vault_line[k]);
	if (*value == '\0')
		return error_set(err, ST_CONFIG,
		                 "%s:%u: empty value for '%s' in [vault]",
		                 m->file, line, name);
	if (k == VK_SKIP_VERIFY && !template_is(value) && parse_bool(value) < 0)
		return error_set(err, ST_CONFIG,
		                 "%s:%u: skip_verify must be true or false",
		                 m->file, line);
	m->vault[k] = xstrdup(value);
	m->vault_line[k] = line;
	return ST_OK;
}

int manifest_expand_vault(struct manifest *m,
                          const char *(*lookup)(const char *name),
                          struct error *err)
{
	struct error e;
	char *v;
	int k;

	for (k = 0; k < VK__COUNT; k++) {
		if (m->vault[k] == NULL || strchr(m->vault[k], '$') == NULL)
			continue;
		if (template_expand_env(m->vault[k], lookup, &v, &e) != ST_OK)
			return error_set(err, ST_CONFIG, "%s:%u: %s: %s", m->file,
			                 m->vault_line[k], vkey_names[k], e.msg);
		wipe_free(m->vault[k], strlen(m->vault[k]) + 1);
		m->vault[k] = v;
		if (*v == '\0')
			return error_set(err, ST_CONFIG,
			                 "%s:%u: empty value for '%s' in [vault] "
			                 "(after expanding the environment)",
			                 m->file, m->vault_line[k], vkey_names[k]);
		if (k == VK_SKIP_VERIFY && parse_bool(v) < 0)
			return error_set(err, ST_CONFIG,
			                 "%s:%u: skip_verify must be true or false",
			                 m->file, m->vault_line[k]);
	}
	return ST_OK;
}

void mvault_free(struct manifest *m)
{
	int k;

	/* [vault] values may be a secret_id or a role_id. */
	for (k = 0; k < VK__COUNT; k++)
		if (m->vault[k] != NULL)
			wipe_free(m->vault[k], strlen(m->vault[k]) + 1);
}

const char *manifest_vkey_name(enum vkey k)
{
	if ((int)k < 0 || k >= VK__COUNT)
		return NULL;
	return vkey_names[k];
}
