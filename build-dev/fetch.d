build-dev/fetch.o: launcher/fetch.c launcher/fetch.h launcher/proxy.h \
 launcher/secret.h launcher/status.h launcher/log.h launcher/mask.h \
 launcher/ratelimit.h launcher/redact.h launcher/transport.h \
 launcher/util.h
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/status.h:
launcher/log.h:
launcher/mask.h:
launcher/ratelimit.h:
launcher/redact.h:
launcher/transport.h:
launcher/util.h:
