build-dev/outfile.o: launcher/outfile.c launcher/outfile.h \
 launcher/status.h launcher/util.h
launcher/outfile.h:
launcher/status.h:
launcher/util.h:
