build-dev/proxy.o: launcher/proxy.c launcher/proxy.h
launcher/proxy.h:
