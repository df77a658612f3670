build-dev/engine.o: launcher/engine.c launcher/engine.h launcher/fetch.h \
 launcher/proxy.h launcher/secret.h launcher/status.h launcher/plan.h \
 launcher/json.h launcher/ref.h launcher/lease.h launcher/manifest.h \
 launcher/profile.h launcher/log.h launcher/util.h launcher/vault.h
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
launcher/log.h:
launcher/util.h:
launcher/vault.h:
