build-dev/streammask.o: launcher/streammask.c launcher/mask.h \
 launcher/secret.h launcher/streammask.h launcher/util.h
launcher/mask.h:
launcher/secret.h:
launcher/streammask.h:
launcher/util.h:
