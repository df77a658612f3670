build-dev/util.o: launcher/util.c launcher/status.h launcher/util.h
launcher/status.h:
launcher/util.h:
