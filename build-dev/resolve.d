build-dev/resolve.o: launcher/resolve.c launcher/log.h launcher/map.h \
 launcher/mask.h launcher/readfile.h launcher/secret.h launcher/status.h \
 launcher/resolve.h launcher/auth.h launcher/config.h launcher/cli.h \
 launcher/fetch.h launcher/manifest.h launcher/plan.h launcher/json.h \
 launcher/ref.h launcher/profile.h launcher/util.h launcher/vault.h
launcher/log.h:
launcher/map.h:
launcher/mask.h:
launcher/readfile.h:
launcher/secret.h:
launcher/status.h:
launcher/resolve.h:
launcher/auth.h:
launcher/config.h:
launcher/cli.h:
launcher/fetch.h:
launcher/manifest.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/profile.h:
launcher/util.h:
launcher/vault.h:
