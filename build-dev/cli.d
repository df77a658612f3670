build-dev/cli.o: launcher/cli.c launcher/cli.h launcher/status.h \
 launcher/export.h launcher/changes.h launcher/secret.h \
 launcher/supervise.h launcher/util.h
launcher/cli.h:
launcher/status.h:
launcher/export.h:
launcher/changes.h:
launcher/secret.h:
launcher/supervise.h:
launcher/util.h:
