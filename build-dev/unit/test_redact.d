build-dev/unit/test_redact.o: tests/unit/test_redact.c launcher/redact.h \
 launcher/secret.h launcher/secret.h tests/unit/t.h
launcher/redact.h:
launcher/secret.h:
launcher/secret.h:
tests/unit/t.h:
