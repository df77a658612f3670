build-dev/unit/test_manifest.o: tests/unit/test_manifest.c \
 launcher/manifest.h launcher/status.h tests/unit/t.h launcher/util.h
launcher/manifest.h:
launcher/status.h:
tests/unit/t.h:
launcher/util.h:
