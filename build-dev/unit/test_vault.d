build-dev/unit/test_vault.o: tests/unit/test_vault.c tests/unit/t.h \
 launcher/vault.h launcher/fetch.h launcher/proxy.h launcher/secret.h \
 launcher/status.h launcher/json.h launcher/ref.h launcher/lease.h
tests/unit/t.h:
launcher/vault.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/status.h:
launcher/json.h:
launcher/ref.h:
launcher/lease.h:
