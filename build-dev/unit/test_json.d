build-dev/unit/test_json.o: tests/unit/test_json.c launcher/json.h \
 launcher/ref.h launcher/status.h launcher/secret.h launcher/mask.h \
 tests/unit/t.h launcher/util.h
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/mask.h:
tests/unit/t.h:
launcher/util.h:
