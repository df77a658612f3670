build-dev/env.o: launcher/env.c launcher/env.h launcher/changes.h \
 launcher/secret.h launcher/status.h launcher/map.h launcher/util.h
launcher/env.h:
launcher/changes.h:
launcher/secret.h:
launcher/status.h:
launcher/map.h:
launcher/util.h:
