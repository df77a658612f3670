build-dev/renewer.o: launcher/renewer.c launcher/json.h launcher/ref.h \
 launcher/status.h launcher/secret.h launcher/log.h launcher/renew.h \
 launcher/renewer.h launcher/auth.h launcher/config.h launcher/cli.h \
 launcher/fetch.h launcher/proxy.h launcher/manifest.h launcher/lease.h \
 launcher/supervise.h launcher/util.h launcher/vault.h
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/log.h:
launcher/renew.h:
launcher/renewer.h:
launcher/auth.h:
launcher/config.h:
launcher/cli.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/manifest.h:
launcher/lease.h:
launcher/supervise.h:
launcher/util.h:
launcher/vault.h:
