build-dev/transport.o: launcher/transport.c launcher/json.h \
 launcher/ref.h launcher/status.h launcher/secret.h launcher/log.h \
 launcher/mask.h launcher/tlsfiles.h launcher/fetch.h launcher/proxy.h \
 launcher/transport.h launcher/util.h
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/log.h:
launcher/mask.h:
launcher/tlsfiles.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/transport.h:
launcher/util.h:
