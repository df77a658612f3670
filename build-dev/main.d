build-dev/main.o: launcher/main.c launcher/auth.h launcher/config.h \
 launcher/cli.h launcher/status.h launcher/fetch.h launcher/proxy.h \
 launcher/secret.h launcher/manifest.h launcher/changes.h launcher/env.h \
 launcher/exec.h launcher/export.h launcher/json.h launcher/ref.h \
 launcher/lease.h launcher/log.h launcher/mask.h launcher/outfile.h \
 launcher/plan.h launcher/profile.h launcher/renewer.h launcher/resolve.h \
 launcher/stop.h launcher/supervise.h launcher/transport.h \
 launcher/util.h
launcher/auth.h:
launcher/config.h:
launcher/cli.h:
launcher/status.h:
launcher/fetch.h:
launcher/proxy.h:
launcher/secret.h:
launcher/manifest.h:
launcher/changes.h:
launcher/env.h:
launcher/exec.h:
launcher/export.h:
launcher/json.h:
launcher/ref.h:
launcher/lease.h:
launcher/log.h:
launcher/mask.h:
launcher/outfile.h:
launcher/plan.h:
launcher/profile.h:
launcher/renewer.h:
launcher/resolve.h:
launcher/stop.h:
launcher/supervise.h:
launcher/transport.h:
launcher/util.h:
