package io.wanpipeline.infra.batch;

import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.commands.RequestCommands;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces {@link RequestCommand}s to {@code request-commands}, keyed by their target, and waits
 * for the broker to acknowledge each one (all in-sync replicas): a command the tool reports sent is
 * durable.
 */
public final class CommandSender implements AutoCloseable {
  private static final long SEND_TIMEOUT_SECONDS = 60;

  private final Topic<String, RequestCommand> topic;
  private final KafkaProducer<byte[], byte[]> producer;

  /** A sender with the Kafka and registry settings of the properties file {@code config}. */
  public static CommandSender fromConfig(Path config) throws IOException {
    KafkaSettings kafka = KafkaSettings.from(Settings.load(config, System.getenv()));
    return new CommandSender(kafka);
  }

  private CommandSender(KafkaSettings kafka) {
    this.topic = new Topics(kafka.topicNames(), kafka.registry().client()).requestCommands();
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** The topic the commands go to. */
  public String topicName() {
    return topic.name();
  }

  /**
   * Sends {@code command} and waits for its acknowledgement.
   *
   * @throws IOException when the broker did not take it within a minute
   */
  public void send(RequestCommand command) throws IOException, InterruptedException {
    try {
      producer
          .send(
              new ProducerRecord<>(
                  topic.name(),
                  topic.keyBytes(RequestCommands.key(command)),
                  topic.valueBytes(command)))
          .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IOException(
          "the command was not written to " + topic.name() + ": " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new IOException(
          "the command was not acknowledged by " + topic.name() + " within a minute", e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
