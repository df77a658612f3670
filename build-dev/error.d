build-dev/error.o: launcher/error.c launcher/status.h
launcher/status.h:
