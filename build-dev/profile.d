build-dev/profile.o: launcher/profile.c launcher/profile.h \
 launcher/json.h launcher/ref.h launcher/status.h launcher/secret.h \
 launcher/util.h
launcher/profile.h:
launcher/json.h:
launcher/ref.h:
launcher/status.h:
launcher/secret.h:
launcher/util.h:
