#!/usr/bin/env bash
# Runs a Kafka command-line tool from the jars cached by up.sh (no Kafka distribution needed).
#
#   tools/infra/kafka-cli.sh topics --list
#   tools/infra/kafka-cli.sh topics --create --topic demo --partitions 3
#   echo hello | tools/infra/kafka-cli.sh console-producer --topic demo
#   tools/infra/kafka-cli.sh console-consumer --topic demo --from-beginning --max-messages 1
#   tools/infra/kafka-cli.sh consumer-groups --list
#   tools/infra/kafka-cli.sh metadata-quorum describe --status
#   tools/infra/kafka-cli.sh org.apache.kafka.tools.SomeOtherTool ...   # any main class
#
# --bootstrap-server 127.0.0.1:${KAFKA_PORT:-9092} is added unless you pass one yourself.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

[[ $# -ge 1 ]] || die "usage: $0 <topics|console-producer|console-consumer|consumer-groups|configs|metadata-quorum|get-offsets|storage|MAIN_CLASS> [args...]"
tool="$1"
shift

case "${tool}" in
  topics) main=org.apache.kafka.tools.TopicCommand ;;
  console-producer) main=org.apache.kafka.tools.ConsoleProducer ;;
  console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  configs) main=kafka.admin.ConfigCommand ;;
  metadata-quorum) main=org.apache.kafka.tools.MetadataQuorumCommand ;;
  get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
  storage) main=kafka.tools.StorageTool ;;
  *.*) main="${tool}" ;;
  *) die "unknown tool '${tool}'" ;;
esac

kafka_libs_ready || ensure_kafka_libs >&2

args=("$@")
if [[ "${tool}" != storage && " $* " != *" --bootstrap-server "* ]]; then
  args=(--bootstrap-server "${KAFKA_BOOTSTRAP}" "${args[@]}")
fi
kafka_java_tool "${main}" "${args[@]}"
