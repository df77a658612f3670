build-dev/unit/test_lease.o: tests/unit/test_lease.c launcher/lease.h \
 launcher/fetch.h launcher/proxy.h launcher/secret.h launcher/status.h \
 tests/unit/t.h
launcher/lease.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/status.h:
tests/unit/t.h:
