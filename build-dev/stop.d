build-dev/stop.o: launcher/stop.c launcher/status.h launcher/stop.h
launcher/status.h:
launcher/stop.h:
