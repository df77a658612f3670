build-dev/supervise.o: launcher/supervise.c launcher/exec.h \
 launcher/status.h launcher/mask.h launcher/secret.h launcher/pty.h \
 launcher/streammask.h launcher/supervise.h launcher/util.h
launcher/exec.h:
launcher/status.h:
launcher/mask.h:
launcher/secret.h:
launcher/pty.h:
launcher/streammask.h:
launcher/supervise.h:
launcher/util.h:
