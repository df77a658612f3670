build-dev/unit/test_main.o: tests/unit/test_main.c tests/unit/t.h
tests/unit/t.h:
