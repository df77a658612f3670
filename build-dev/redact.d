build-dev/redact.o: launcher/redact.c launcher/redact.h launcher/secret.h
launcher/redact.h:
launcher/secret.h:
