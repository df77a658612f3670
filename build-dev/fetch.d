build-dev/fetch.o: launcher/fetch.c launcher/fetch.h launcher/secret.h \
 launcher/status.h launcher/log.h launcher/util.h
launcher/fetch.h:
launcher/secret.h:
launcher/status.h:
launcher/log.h:
launcher/util.h:
