build-dev/unit/test_resolve.o: tests/unit/test_resolve.c \
 launcher/resolve.h launcher/auth.h launcher/config.h launcher/cli.h \
 launcher/status.h launcher/fetch.h launcher/proxy.h launcher/secret.h \
 launcher/manifest.h launcher/plan.h launcher/json.h launcher/ref.h \
 launcher/lease.h launcher/profile.h tests/unit/t.h
launcher/resolve.h:
launcher/auth.h:
launcher/config.h:
launcher/cli.h:
launcher/status.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/manifest.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/lease.h:
launcher/profile.h:
tests/unit/t.h:
