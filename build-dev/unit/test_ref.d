build-dev/unit/test_ref.o: tests/unit/test_ref.c launcher/ref.h \
 launcher/status.h tests/unit/t.h
launcher/ref.h:
launcher/status.h:
tests/unit/t.h:
