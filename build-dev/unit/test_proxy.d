build-dev/unit/test_proxy.o: tests/unit/test_proxy.c launcher/proxy.h \
 tests/unit/t.h
launcher/proxy.h:
tests/unit/t.h:
