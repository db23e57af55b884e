#!/usr/bin/env bash
# A three-node RabbitMQ cluster on one machine, for the fault suite and for trying quorum queues
# by hand: each node has its own node name, AMQP port, distribution port and data folder, all
# under DIR. It runs the machine's own rabbitmq-server as the rabbitmq user (Debian's package).
#
#   cluster.sh start DIR [PREFIX] [BASE_PORT]   nodes PREFIX-1..3@localhost on BASE_PORT..BASE_PORT+2
#   cluster.sh stop DIR                          stop every node of DIR and delete DIR
#   cluster.sh ctl DIR N ARGS...                 rabbitmqctl against node N (1..3)
#
# Distribution ports are BASE_PORT+10000..+10002 (the machine's own node keeps 25672).
set -euo pipefail

rabbit_bin=/usr/lib/rabbitmq/bin
rabbit_user=rabbitmq
command="${1:?usage: cluster.sh start|stop|ctl DIR ...}"
dir="${2:?usage: cluster.sh start|stop|ctl DIR ...}"

as_rabbit() {
  # The nodes and the CLI share the rabbitmq user's Erlang cookie.
  if [ "$(id -un)" = "$rabbit_user" ]; then env HOME="$(getent passwd "$rabbit_user" | cut -d: -f6)" "$@"
  else su "$rabbit_user" -s /bin/sh -c "cd ~ && HOME=\$(pwd) $(printf '%q ' "$@")"; fi
}

node_name() { echo "$(cat "$dir/prefix")-$1@localhost"; }

ctl() {
  local n="$1"; shift
  as_rabbit "$rabbit_bin/rabbitmqctl" -q -n "$(node_name "$n")" "$@"
}

start_node() {
  local n="$1" port="$2" home="$dir/node-$1"
  mkdir -p "$home"
  printf 'listeners.tcp.local = 127.0.0.1:%s\nloopback_users.guest = true\n' "$port" >"$home/rabbitmq.conf"
  echo '[].' >"$home/enabled_plugins"
  chown -R "$rabbit_user:$rabbit_user" "$home"
  as_rabbit env RABBITMQ_NODENAME="$(node_name "$n")" RABBITMQ_NODE_PORT="$port" \
    RABBITMQ_DIST_PORT="$((port + 10000))" RABBITMQ_MNESIA_BASE="$home/mnesia" RABBITMQ_LOG_BASE="$home/log" \
    RABBITMQ_CONFIG_FILE="$home/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$home/enabled_plugins" \
    RABBITMQ_PID_FILE="$home/pid" "$rabbit_bin/rabbitmq-server" -detached
}

case "$command" in
  start)
    prefix="${3:-ripple}" base="${4:-36001}"
    mkdir -p "$dir" && echo "$prefix" >"$dir/prefix" && echo "$base" >"$dir/base-port"
    chown "$rabbit_user:$rabbit_user" "$dir"
    for n in 1 2 3; do start_node "$n" "$((base + n - 1))"; done
    for n in 1 2 3; do
      # A detached node registers with epmd a moment after it forks; await_startup needs it registered.
      for _ in $(seq 180); do ctl "$n" await_startup --timeout 180 >/dev/null 2>&1 && break; sleep 1; done
      ctl "$n" await_startup --timeout 5
    done
    for n in 2 3; do ctl "$n" stop_app && ctl "$n" join_cluster "$(node_name 1)" && ctl "$n" start_app; done
    echo "cluster of $(node_name 1), $(node_name 2), $(node_name 3) on 127.0.0.1:$base-$((base + 2))"
    ;;
  stop)
    for n in 1 2 3; do ctl "$n" stop >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    ;;
  ctl)
    n="${3:?node number}"; shift 3
    ctl "$n" "$@"
    ;;
  *)
    echo "unknown command '$command'" >&2; exit 2
    ;;
esac
