build-dev/config.o: launcher/config.c launcher/config.h launcher/cli.h \
 launcher/status.h launcher/fetch.h launcher/secret.h launcher/manifest.h \
 launcher/log.h launcher/util.h
launcher/config.h:
launcher/cli.h:
launcher/status.h:
launcher/fetch.h:
launcher/secret.h:
launcher/manifest.h:
launcher/log.h:
launcher/util.h:
