package io.wanpipeline.schemas.topics;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.serde.AvroSerde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed descriptors of the pipeline's public topics, built once per process over one schema
 * registry client.
 */
public final class Topics {
  private final TopicNames names;
  private final SchemaRegistry registry;
  private final Topic<String, VideoRequest> videoRequests;
  private final Topic<String, byte[]> videoRequestsDlq;
  private final Topic<String, RequestCommand> requestCommands;
  private final Topic<String, TaskStatus> taskStatus;
  private final Topic<String, byte[]> pollerDlq;
  private final Topic<String, byte[]> billingDlq;
  private final Topic<String, byte[]> statusDlq;
  private final Topic<String, Charge> billingCharges;
  private final Topic<String, AccountTotal> billingTotals;
  private final Topic<String, TaskStatus> billingUnpriced;
  private final Topic<String, Price> wanPrices;

  public Topics(TopicNames names, SchemaRegistry registry) {
    this.names = names;
    this.registry = registry;
    AvroSerde<TaskStatus> statusSerde = AvroSerde.forValue(registry, TaskStatus.getClassSchema());
    this.videoRequests =
        new Topic<>(
            names.videoRequests(),
            Serdes.String(),
            AvroSerde.forValue(registry, VideoRequest.getClassSchema()));
    this.videoRequestsDlq =
        new Topic<>(names.videoRequestsDlq(), Serdes.String(), Serdes.ByteArray());
    this.requestCommands =
        new Topic<>(
            names.requestCommands(),
            Serdes.String(),
            AvroSerde.forValue(registry, RequestCommand.getClassSchema()));
    this.taskStatus = new Topic<>(names.taskStatus(), Serdes.String(), statusSerde);
    this.pollerDlq = new Topic<>(names.pollerDlq(), Serdes.String(), Serdes.ByteArray());
    this.billingDlq = new Topic<>(names.billingDlq(), Serdes.String(), Serdes.ByteArray());
    this.statusDlq = new Topic<>(names.statusDlq(), Serdes.String(), Serdes.ByteArray());
    this.billingCharges =
        new Topic<>(
            names.billingCharges(),
            Serdes.String(),
            AvroSerde.forValue(registry, Charge.getClassSchema()));
    this.billingTotals =
        new Topic<>(
            names.billingTotals(),
            Serdes.String(),
            AvroSerde.forValue(registry, AccountTotal.getClassSchema()));
    this.billingUnpriced = new Topic<>(names.billingUnpriced(), Serdes.String(), statusSerde);
    this.wanPrices =
        new Topic<>(
            names.wanPrices(),
            Serdes.String(),
            AvroSerde.forValue(registry, Price.getClassSchema()));
  }

  public TopicNames names() {
    return names;
  }

  /** The schema registry client every serde of these topics uses. */
  public SchemaRegistry registry() {
    return registry;
  }

  /** {@code video-requests}: key request_id. */
  public Topic<String, VideoRequest> videoRequests() {
    return videoRequests;
  }

  /** {@code video-requests-dlq}: original key and bytes, reason in headers. */
  public Topic<String, byte[]> videoRequestsDlq() {
    return videoRequestsDlq;
  }

  /**
   * Commands about requests and batches (key {@code request:<id>} or {@code batch:<id>}, {@link
   * io.wanpipeline.schemas.commands.RequestCommands}).
   */
  public Topic<String, RequestCommand> requestCommands() {
    return requestCommands;
  }

  /** {@code task-status}: key request_id. */
  public Topic<String, TaskStatus> taskStatus() {
    return taskStatus;
  }

  /**
   * {@code poller-dlq}: records the poller could not read, original key and bytes, Kafka Streams'
   * error headers.
   */
  public Topic<String, byte[]> pollerDlq() {
    return pollerDlq;
  }

  /** {@code billing-dlq}: records billing could not read, as {@link #pollerDlq()}. */
  public Topic<String, byte[]> billingDlq() {
    return billingDlq;
  }

  /** {@code status-dlq}: records the status view could not read, as {@link #pollerDlq()}. */
  public Topic<String, byte[]> statusDlq() {
    return statusDlq;
  }

  /** {@code billing-charges}: key request_id. */
  public Topic<String, Charge> billingCharges() {
    return billingCharges;
  }

  /** {@code billing-totals}: key account_id|day|currency. */
  public Topic<String, AccountTotal> billingTotals() {
    return billingTotals;
  }

  /** {@code billing-unpriced}: succeeded tasks with no matching price, key request_id. */
  public Topic<String, TaskStatus> billingUnpriced() {
    return billingUnpriced;
  }

  /** {@code wan-prices} (compacted): key provider_account|model|tier|audio. */
  public Topic<String, Price> wanPrices() {
    return wanPrices;
  }
}
