build-dev/map.o: launcher/map.c launcher/map.h launcher/secret.h \
 launcher/util.h
launcher/map.h:
launcher/secret.h:
launcher/util.h:
