build-dev/changes.o: launcher/changes.c launcher/changes.h \
 launcher/secret.h launcher/plan.h launcher/json.h launcher/ref.h \
 launcher/status.h launcher/lease.h launcher/fetch.h launcher/proxy.h \
 launcher/manifest.h launcher/profile.h launcher/util.h
launcher/changes.h:
launcher/secret.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/lease.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/manifest.h:
launcher/profile.h:
launcher/util.h:
