package io.wanpipeline.submitter;

import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.serde.AvroSerde;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The submitter's internal queue {@code submission-queue}: valid requests accepted by intake, keyed
 * by {@code <provider account>|<model>}, so that every request of one (account, model) lands in one
 * partition and one dispatcher owns all of that model's traffic.
 */
public final class SubmissionQueue {
  private SubmissionQueue() {}

  /** The typed descriptor of the queue topic. */
  public static Topic<String, QueuedRequest> topic(TopicNames names, SchemaRegistry registry) {
    return new Topic<>(
        names.submissionQueue(),
        Serdes.String(),
        AvroSerde.forValue(registry, QueuedRequest.getClassSchema()));
  }

  /** The record key of a request of {@code model} submitted with {@code providerAccount}. */
  public static String key(String providerAccount, String model) {
    return providerAccount + "|" + model;
  }
}
