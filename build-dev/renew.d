build-dev/renew.o: launcher/renew.c launcher/renew.h
launcher/renew.h:
