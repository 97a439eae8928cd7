// A downstream consumer of wan-pipeline's task-status events, with Confluent's own JavaScript
// clients: @confluentinc/kafka-javascript (librdkafka) and @confluentinc/schemaregistry, which
// reads the Confluent wire format and the Avro schema the registry holds for each event.
//
//   KAFKA_BOOTSTRAP=localhost:9092 SCHEMA_REGISTRY_URL=http://localhost:8081 node consume.mjs
//
// TOPICS_PREFIX names the pipeline's topic prefix (topics.prefix); MAX_EVENTS stops after that
// many events; IDLE_MS stops after that long without one (default: run until stopped).
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { AvroDeserializer, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';

const bootstrap = process.env.KAFKA_BOOTSTRAP ?? 'localhost:9092';
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081';
const topic = (process.env.TOPICS_PREFIX ?? '') + 'task-status';
const maxEvents = Number(process.env.MAX_EVENTS ?? Infinity);
const idleMs = Number(process.env.IDLE_MS ?? Infinity);
const TERMINAL = new Set(['ARCHIVED', 'ARCHIVE_FAILED', 'FAILED', 'CANCELED', 'TIMED_OUT', 'UNKNOWN', 'REJECTED']);

const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});
const consumer = new KafkaJS.Kafka({ kafkaJS: { brokers: bootstrap.split(',') } }).consumer({
  kafkaJS: { groupId: `task-status-example-${Date.now()}`, fromBeginning: true },
  // The pipeline writes task-status in Kafka transactions: read only what they committed
  // (librdkafka's default, said here so that nobody changes it by accident).
  'isolation.level': 'read_committed',
});

let read = 0;
let lastEvent = Date.now();
let stopping = false;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  await consumer.disconnect();
  process.exit(code);
}

await consumer.connect();
await consumer.subscribe({ topics: [topic] });
await consumer.run({
  eachMessage: async ({ message }) => {
    if (stopping || message.value === null) return;
    const event = await deserializer.deserialize(topic, message.value);
    const eventTime = new Date(Number(event.event_time)).toISOString();
    const code = event.error ? ' ' + event.error.code : '';
    console.log(`${eventTime} ${event.request_id} ${event.state}${code}${TERMINAL.has(event.state) ? ' (ended)' : ''}`);
    read += 1;
    lastEvent = Date.now();
    if (read >= maxEvents) await stop(0);
  },
});
if (Number.isFinite(idleMs)) {
  setInterval(() => { if (Date.now() - lastEvent > idleMs) stop(read > 0 ? 0 : 1); }, 500);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
