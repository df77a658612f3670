build-dev/resolve.o: launcher/resolve.c launcher/engine.h \
 launcher/fetch.h launcher/proxy.h launcher/secret.h launcher/status.h \
 launcher/plan.h launcher/json.h launcher/ref.h launcher/lease.h \
 launcher/manifest.h launcher/profile.h launcher/env.h launcher/changes.h \
 launcher/log.h launcher/map.h launcher/mask.h launcher/readfile.h \
 launcher/resolve.h launcher/auth.h launcher/config.h launcher/cli.h \
 launcher/util.h launcher/vault.h
launcher/engine.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/status.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/lease.h:
launcher/manifest.h:
launcher/profile.h:
launcher/env.h:
launcher/changes.h:
launcher/log.h:
launcher/map.h:
launcher/mask.h:
launcher/readfile.h:
launcher/resolve.h:
launcher/auth.h:
launcher/config.h:
launcher/cli.h:
launcher/util.h:
launcher/vault.h:
