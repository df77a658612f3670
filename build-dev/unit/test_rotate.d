build-dev/unit/test_rotate.o: tests/unit/test_rotate.c launcher/rotate.h \
 launcher/renew.h tests/unit/t.h
launcher/rotate.h:
launcher/renew.h:
tests/unit/t.h:
