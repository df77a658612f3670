build-dev/unit/test_renew.o: tests/unit/test_renew.c launcher/renew.h \
 tests/unit/t.h
launcher/renew.h:
tests/unit/t.h:
