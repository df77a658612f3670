build-dev/tlsfiles.o: launcher/tlsfiles.c launcher/secret.h \
 launcher/tlsfiles.h launcher/fetch.h launcher/proxy.h launcher/status.h \
 launcher/util.h
launcher/secret.h:
launcher/tlsfiles.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/status.h:
launcher/util.h:
