build-dev/unit/test_map.o: tests/unit/test_map.c launcher/map.h \
 tests/unit/t.h
launcher/map.h:
tests/unit/t.h:
