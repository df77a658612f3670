build-dev/json.o: launcher/json.c launcher/json.h launcher/ref.h \
 launcher/status.h launcher/secret.h launcher/mask.h launcher/util.h
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/mask.h:
launcher/util.h:
