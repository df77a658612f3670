build-dev/cli.o: launcher/cli.c launcher/cli.h launcher/status.h \
 launcher/util.h
launcher/cli.h:
launcher/status.h:
launcher/util.h:
