#!/bin/sh
# Fails ssh logins against the target a bounded number of times, and reports when the target stops
# answering (node-a blocked us) - the point of the simulation.
set -u
target="${TARGET:-node-a}"
attempts="${ATTEMPTS:-40}"
pause="${PAUSE_SECS:-2}"

# Give sshd and the mesh time to start.
sleep "${START_DELAY_SECS:-20}"
i=1
while [ "$i" -le "$attempts" ]; do
  if sshpass -p "wrong-password-$i" ssh -n -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
       -o PreferredAuthentications=password -o PubkeyAuthentication=no -o ConnectTimeout=5 \
       -o LogLevel=ERROR "deploy@$target" true 2>/tmp/ssh.err; then
    echo "attempt $i: logged in?! (should never happen)"
  elif grep -qiE 'timed out|no route|connection refused' /tmp/ssh.err; then
    echo "attempt $i: $target no longer answers: blocked ($(tr -d '\r\n' </tmp/ssh.err))"
  else
    echo "attempt $i: login failed ($(tr -d '\r\n' </tmp/ssh.err))"
  fi
  i=$((i + 1))
  sleep "$pause"
done
echo "attacker done after $attempts attempts"
