build-dev/unit/test_ratelimit.o: tests/unit/test_ratelimit.c \
 launcher/ratelimit.h tests/unit/t.h
launcher/ratelimit.h:
tests/unit/t.h:
