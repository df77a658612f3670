build-dev/plan.o: launcher/plan.c launcher/engine.h launcher/fetch.h \
 launcher/proxy.h launcher/secret.h launcher/status.h launcher/plan.h \
 launcher/json.h launcher/ref.h launcher/lease.h launcher/manifest.h \
 launcher/profile.h launcher/map.h launcher/util.h
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
launcher/map.h:
launcher/util.h:
