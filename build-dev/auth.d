build-dev/auth.o: launcher/auth.c launcher/auth.h launcher/config.h \
 launcher/cli.h launcher/status.h launcher/fetch.h launcher/proxy.h \
 launcher/secret.h launcher/manifest.h launcher/json.h launcher/ref.h \
 launcher/log.h launcher/mask.h launcher/readfile.h launcher/util.h \
 launcher/vault.h launcher/lease.h
launcher/auth.h:
launcher/config.h:
launcher/cli.h:
launcher/status.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/manifest.h:
launcher/json.h:
launcher/ref.h:
launcher/log.h:
launcher/mask.h:
launcher/readfile.h:
launcher/util.h:
launcher/vault.h:
launcher/lease.h:
