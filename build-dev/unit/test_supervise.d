build-dev/unit/test_supervise.o: tests/unit/test_supervise.c \
 launcher/cli.h launcher/status.h launcher/supervise.h tests/unit/t.h
launcher/cli.h:
launcher/status.h:
launcher/supervise.h:
tests/unit/t.h:
