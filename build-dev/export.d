build-dev/export.o: launcher/export.c launcher/export.h \
 launcher/changes.h launcher/secret.h launcher/status.h launcher/json.h \
 launcher/ref.h launcher/outfile.h launcher/util.h
launcher/export.h:
launcher/changes.h:
launcher/secret.h:
launcher/status.h:
launcher/json.h:
launcher/ref.h:
launcher/outfile.h:
launcher/util.h:
