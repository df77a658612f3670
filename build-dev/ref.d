build-dev/ref.o: launcher/ref.c launcher/ref.h launcher/status.h \
 launcher/util.h
launcher/ref.h:
launcher/status.h:
launcher/util.h:
