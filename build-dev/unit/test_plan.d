build-dev/unit/test_plan.o: tests/unit/test_plan.c launcher/manifest.h \
 launcher/status.h launcher/plan.h launcher/json.h launcher/ref.h \
 launcher/secret.h launcher/lease.h launcher/fetch.h launcher/proxy.h \
 launcher/manifest.h launcher/profile.h tests/unit/t.h
launcher/manifest.h:
launcher/status.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/secret.h:
launcher/lease.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/manifest.h:
launcher/profile.h:
tests/unit/t.h:
