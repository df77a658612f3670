build-dev/manifest.o: launcher/manifest.c launcher/manifest.h \
 launcher/status.h launcher/readfile.h launcher/secret.h launcher/util.h
launcher/manifest.h:
launcher/status.h:
launcher/readfile.h:
launcher/secret.h:
launcher/util.h:
