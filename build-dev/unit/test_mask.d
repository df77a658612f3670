build-dev/unit/test_mask.o: tests/unit/test_mask.c launcher/mask.h \
 launcher/secret.h tests/unit/t.h
launcher/mask.h:
launcher/secret.h:
tests/unit/t.h:
