package io.wanpipeline.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Amazon MSK with IAM authentication is a matter of configuration: the {@code kafka.*} keys of
 * docs/configuration.md's example build the services' Kafka clients (the login module and the
 * callback handler load from the service's class path). Nothing connects: building a client
 * resolves its classes and checks its settings; the handshake needs MSK.
 */
class ManagedKafkaAuthTest {

  @Test
  void theMskIamExampleBuildsTheKafkaClients() {
    Settings settings =
        Settings.of(
            Map.of(
                "kafka.bootstrap.servers", "127.0.0.1:9098", // MSK's IAM port; never reached
                "schema-registry.url", "http://registry.invalid:8081",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "AWS_MSK_IAM",
                "kafka.sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;",
                "kafka.sasl.client.callback.handler.class",
                    "software.amazon.msk.auth.iam.IAMClientCallbackHandler"),
            Map.of());
    Map<String, Object> props = new HashMap<>(KafkaSettings.from(settings).clientConfig());
    assertThat(props).containsEntry("sasl.mechanism", "AWS_MSK_IAM");

    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      assertThat(producer.metrics()).isNotEmpty();
    }
    props.put("group.id", "msk-iam-check");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      assertThat(consumer.metrics()).isNotEmpty();
    }
  }

  @Test
  void theWebIdentityProviderOfIrsaIsOnTheClassPath() throws Exception {
    // The AWS SDK's default chain uses web identity (IRSA) only if it finds this factory.
    assertThat(
            Class.forName(
                "software.amazon.awssdk.services.sts.internal.StsWebIdentityCredentialsProviderFactory"))
        .isNotNull();
  }
}
