build-dev/secret.o: launcher/secret.c launcher/secret.h launcher/util.h
launcher/secret.h:
launcher/util.h:
