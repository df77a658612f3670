build-dev/unit/test_env.o: tests/unit/test_env.c launcher/changes.h \
 launcher/secret.h launcher/env.h launcher/changes.h launcher/status.h \
 tests/unit/t.h
launcher/changes.h:
launcher/secret.h:
launcher/env.h:
launcher/changes.h:
launcher/status.h:
tests/unit/t.h:
