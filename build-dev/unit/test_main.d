build-dev/unit/test_main.o: tests/unit/test_main.c launcher/json.h \
 launcher/ref.h launcher/status.h launcher/secret.h tests/unit/t.h \
 launcher/util.h
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
tests/unit/t.h:
launcher/util.h:
