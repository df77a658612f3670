build-dev/readfile.o: launcher/readfile.c launcher/readfile.h \
 launcher/secret.h launcher/status.h launcher/util.h
launcher/readfile.h:
launcher/secret.h:
launcher/status.h:
launcher/util.h:
