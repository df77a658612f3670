build-dev/unit/test_export.o: tests/unit/test_export.c launcher/changes.h \
 launcher/secret.h launcher/export.h launcher/changes.h launcher/status.h \
 tests/unit/t.h
launcher/changes.h:
launcher/secret.h:
launcher/export.h:
launcher/changes.h:
launcher/status.h:
tests/unit/t.h:
