build-dev/unit/test_cli.o: tests/unit/test_cli.c launcher/cli.h \
 launcher/status.h tests/unit/t.h
launcher/cli.h:
launcher/status.h:
tests/unit/t.h:
