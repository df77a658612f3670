build-dev/rotate.o: launcher/rotate.c launcher/rotate.h launcher/renew.h
launcher/rotate.h:
launcher/renew.h:
