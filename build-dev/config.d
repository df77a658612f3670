build-dev/config.o: launcher/config.c launcher/config.h launcher/cli.h \
 launcher/status.h launcher/fetch.h launcher/proxy.h launcher/secret.h \
 launcher/manifest.h launcher/log.h launcher/readfile.h launcher/util.h
launcher/config.h:
launcher/cli.h:
launcher/status.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/manifest.h:
launcher/log.h:
launcher/readfile.h:
launcher/util.h:
