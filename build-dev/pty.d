build-dev/pty.o: launcher/pty.c launcher/pty.h launcher/status.h \
 launcher/util.h
launcher/pty.h:
launcher/status.h:
launcher/util.h:
