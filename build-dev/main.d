build-dev/main.o: launcher/main.c launcher/auth.h launcher/config.h \
 launcher/cli.h launcher/status.h launcher/fetch.h launcher/secret.h \
 launcher/manifest.h launcher/env.h launcher/plan.h launcher/json.h \
 launcher/ref.h launcher/profile.h launcher/exec.h launcher/log.h \
 launcher/mask.h launcher/resolve.h launcher/util.h
launcher/auth.h:
launcher/config.h:
launcher/cli.h:
launcher/status.h:
launcher/fetch.h:
launcher/secret.h:
launcher/manifest.h:
launcher/env.h:
launcher/plan.h:
launcher/json.h:
launcher/ref.h:
launcher/profile.h:
launcher/exec.h:
launcher/log.h:
launcher/mask.h:
launcher/resolve.h:
launcher/util.h:
