build-dev/ratelimit.o: launcher/ratelimit.c launcher/ratelimit.h
launcher/ratelimit.h:
