build-dev/unit/test_config.o: tests/unit/test_config.c launcher/config.h \
 launcher/cli.h launcher/status.h launcher/fetch.h launcher/proxy.h \
 launcher/secret.h launcher/manifest.h tests/unit/t.h launcher/util.h
launcher/config.h:
launcher/cli.h:
launcher/status.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/manifest.h:
tests/unit/t.h:
launcher/util.h:
