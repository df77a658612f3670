build-dev/unit/test_streammask.o: tests/unit/test_streammask.c \
 launcher/mask.h launcher/secret.h launcher/streammask.h tests/unit/t.h
launcher/mask.h:
launcher/secret.h:
launcher/streammask.h:
tests/unit/t.h:
