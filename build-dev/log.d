build-dev/log.o: launcher/log.c launcher/log.h launcher/mask.h \
 launcher/secret.h launcher/util.h
launcher/log.h:
launcher/mask.h:
launcher/secret.h:
launcher/util.h:
