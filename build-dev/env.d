build-dev/env.o: launcher/env.c launcher/env.h launcher/plan.h \
 launcher/json.h launcher/ref.h launcher/status.h launcher/secret.h \
 launcher/manifest.h launcher/profile.h launcher/map.h launcher/util.h
launcher/env.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/manifest.h:
launcher/profile.h:
launcher/map.h:
launcher/util.h:
