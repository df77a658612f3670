build-dev/plan.o: launcher/plan.c launcher/map.h launcher/plan.h \
 launcher/json.h launcher/ref.h launcher/status.h launcher/secret.h \
 launcher/manifest.h launcher/profile.h launcher/util.h
launcher/map.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/manifest.h:
launcher/profile.h:
launcher/util.h:
