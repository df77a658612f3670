build-dev/vault.o: launcher/vault.c launcher/json.h launcher/ref.h \
 launcher/status.h launcher/secret.h launcher/util.h launcher/vault.h \
 launcher/fetch.h launcher/proxy.h launcher/lease.h
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/util.h:
launcher/vault.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/lease.h:
