#!/usr/bin/env bash
# Creates Hostly's topics (3 partitions, replication factor 3, min.insync.replicas 2), its Kafka users (SCRAM)
# and their ACLs. Idempotent: run by the Job kafka-setup at every rollout, before Hostly's pods need Kafka.
# Talks to the INTERNAL listener, where it is a super user; Hostly's users have no right to create topics.
set -euo pipefail
bin=/opt/kafka/bin
bootstrap=kafka-0.kafka-headless.hostly.svc.cluster.local:9094,kafka-1.kafka-headless.hostly.svc.cluster.local:9094,kafka-2.kafka-headless.hostly.svc.cluster.local:9094

# Each event topic T of src/bookings/events.ts, src/messages/events.ts and src/reviews/events.ts, with T.retry and T.dlq (src/kafka/client/topics.ts).
TOPICS="booking-created booking-created.retry booking-created.dlq booking-status-updated booking-status-updated.retry booking-status-updated.dlq message-sent message-sent.retry message-sent.dlq review-published review-published.retry review-published.dlq"
for topic in $TOPICS; do
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$topic" \
    --partitions 3 --replication-factor 3 --config min.insync.replicas=2
done

for user in api relay worker; do
  password_file="/etc/kafka-users/$user/password"
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type users --entity-name "hostly-$user" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$(cat "$password_file")]"
done

acl () { "$bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --add --force "$@"; }
# API: /readyz asks for the cluster's metadata only.
acl --allow-principal User:hostly-api --operation Describe --topic booking- --resource-pattern-type prefixed
acl --allow-principal User:hostly-api --operation Describe --topic message- --resource-pattern-type prefixed
acl --allow-principal User:hostly-api --operation Describe --topic review- --resource-pattern-type prefixed
# Relay: writes the event topics (idempotent producer).
acl --allow-principal User:hostly-relay --operation Describe --operation Write --topic booking- --resource-pattern-type prefixed
acl --allow-principal User:hostly-relay --operation Describe --operation Write --topic message- --resource-pattern-type prefixed
acl --allow-principal User:hostly-relay --operation Describe --operation Write --topic review- --resource-pattern-type prefixed
acl --allow-principal User:hostly-relay --operation IdempotentWrite --cluster
# Workers: read their topics, write retry and dead-letter topics, commit offsets in their groups
# (<group> and <group>.retry: a prefix ACL per group).
acl --allow-principal User:hostly-worker --operation Describe --operation Read --operation Write --topic booking- --resource-pattern-type prefixed
acl --allow-principal User:hostly-worker --operation Describe --operation Read --operation Write --topic message- --resource-pattern-type prefixed
acl --allow-principal User:hostly-worker --operation Describe --operation Read --operation Write --topic review- --resource-pattern-type prefixed
acl --allow-principal User:hostly-worker --operation IdempotentWrite --cluster
for group in owner-service-group traveler-service-group email-service-group analytics-service-group message-service-group message-email-group review-service-group review-email-group; do
  acl --allow-principal User:hostly-worker --operation Read --operation Describe --group "$group" --resource-pattern-type prefixed
done
echo "kafka-setup: topics, users and ACLs in place"
