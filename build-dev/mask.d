build-dev/mask.o: launcher/mask.c launcher/map.h launcher/mask.h \
 launcher/secret.h launcher/util.h
launcher/map.h:
launcher/mask.h:
launcher/secret.h:
launcher/util.h:
