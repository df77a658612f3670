build-dev/unit/test_profile.o: tests/unit/test_profile.c \
 launcher/profile.h launcher/json.h launcher/ref.h launcher/status.h \
 launcher/secret.h tests/unit/t.h launcher/util.h
launcher/profile.h:
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
tests/unit/t.h:
launcher/util.h:
