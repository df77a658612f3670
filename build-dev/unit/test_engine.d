build-dev/unit/test_engine.o: tests/unit/test_engine.c launcher/engine.h \
 launcher/fetch.h launcher/proxy.h launcher/secret.h launcher/status.h \
 launcher/plan.h launcher/json.h launcher/ref.h launcher/lease.h \
 launcher/manifest.h launcher/profile.h tests/unit/t.h
launcher/engine.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/status.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/lease.h:
launcher/manifest.h:
launcher/profile.h:
tests/unit/t.h:
