#!/bin/sh
# Node container entry point: optional sshd (the node under attack), then the agent as the innerwarden user.
set -eu

if [ "${INNERWARDEN_SSHD:-0}" = 1 ]; then
  # sshd logs to syslog; rsyslog writes /var/log/auth.log (root:adm 0640), which the sshd detector follows.
  touch /var/log/auth.log
  chown root:adm /var/log/auth.log
  chmod 0640 /var/log/auth.log
  rsyslogd
  ssh-keygen -A >/dev/null
  /usr/sbin/sshd
fi

# Same privileges as packaging/systemd/innerwarden-agent.service: a dedicated user, only NET_ADMIN/NET_RAW.
exec setpriv --reuid=innerwarden --regid=innerwarden --init-groups \
  --inh-caps=-all,+net_admin,+net_raw --ambient-caps=-all,+net_admin,+net_raw \
  --bounding-set=-all,+net_admin,+net_raw \
  /usr/bin/innerwarden "$@"
