build-dev/exec.o: launcher/exec.c launcher/exec.h launcher/status.h \
 launcher/util.h
launcher/exec.h:
launcher/status.h:
launcher/util.h:
