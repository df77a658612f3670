build-dev/lease.o: launcher/lease.c launcher/json.h launcher/ref.h \
 launcher/status.h launcher/secret.h launcher/lease.h launcher/fetch.h \
 launcher/proxy.h launcher/log.h launcher/util.h launcher/vault.h
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/lease.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/log.h:
launcher/util.h:
launcher/vault.h:
