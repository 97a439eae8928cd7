package io.wanpipeline.infra.testing;

import static io.wanpipeline.infra.testing.RegistryHttp.schema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.testing.RegistryHttp.Answer;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBroker.class)
class LocalSchemaRegistryIT {
  private static final String V1 =
      "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"id\",\"type\":\"string\"}]}";
  private static final String V2_WITH_DEFAULT =
      "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"id\",\"type\":\"string\"},"
          + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
  private static final String V2_WITHOUT_DEFAULT =
      "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"id\",\"type\":\"string\"},"
          + "{\"name\":\"amount\",\"type\":\"long\"}]}";

  @Test
  void registersIdempotentlyWithGlobalIdsDeduplicatedAcrossSubjects(KafkaBroker.Info kafka) {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      SchemaRegistryClient client = SchemaRegistryClient.of(registry.url());
      RegistryHttp http = RegistryHttp.of(registry);

      int id = client.register("task-status-value", TaskStatus.getClassSchema());
      Answer again =
          http.post(
              "/subjects/task-status-value/versions",
              schema(TaskStatus.getClassSchema().toString()));
      Answer elsewhere =
          http.post(
              "/subjects/other-value/versions", schema(TaskStatus.getClassSchema().toString()));
      int requestId = client.register("video-request-value", VideoRequest.getClassSchema());

      assertThat(again.status()).isEqualTo(200);
      assertThat(again.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
      assertThat(again.body().get("id").asInt()).as("same schema, same subject").isEqualTo(id);
      assertThat(elsewhere.body().get("id").asInt()).as("same schema, other subject").isEqualTo(id);
      assertThat(requestId).as("a different schema gets a new id").isNotEqualTo(id);
      assertThat(http.get("/subjects/task-status-value/versions").body())
          .as("registering again adds no version")
          .hasSize(1);

      Answer byId = http.get("/schemas/ids/" + id);
      assertThat(new Schema.Parser().parse(byId.body().get("schema").asText()))
          .isEqualTo(TaskStatus.getClassSchema());
      assertThat(http.get("/schemas/ids/" + id + "/versions").body().toString())
          .isEqualTo(
              "[{\"subject\":\"other-value\",\"version\":1},"
                  + "{\"subject\":\"task-status-value\",\"version\":1}]");
      Answer missing = http.get("/schemas/ids/9999");
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.body().get("error_code").asInt()).isEqualTo(40403);
    }
  }

  @Test
  void withCredentialsConfiguredItAnswers401ToAnyoneWithoutThem(KafkaBroker.Info kafka) {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(
            kafka.bootstrapServers(), kafka.uniqueName("schemas"), "127.0.0.1", 0, "sr:s3cret")) {
      SchemaRegistryClient anonymous = SchemaRegistryClient.of(registry.url());
      SchemaRegistryClient wrong =
          new SchemaRegistryClient(
              java.net.URI.create(registry.url()), "sr:guess", Duration.ofSeconds(10));
      SchemaRegistryClient right =
          new SchemaRegistryClient(
              java.net.URI.create(registry.url()), "sr:s3cret", Duration.ofSeconds(10));

      for (SchemaRegistryClient refused : List.of(anonymous, wrong)) {
        assertThatThrownBy(() -> refused.register("task-status-value", TaskStatus.getClassSchema()))
            .isInstanceOf(SchemaRegistryException.class)
            .hasMessageContaining("HTTP 401")
            .hasMessageNotContaining("s3cret")
            .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(40101));
      }
      int id = right.register("task-status-value", TaskStatus.getClassSchema());
      SchemaRegistryClient reader =
          new SchemaRegistryClient(
              java.net.URI.create(registry.url()), "sr:s3cret", Duration.ofSeconds(10));
      assertThat(reader.schemaById(id)).as("read over HTTP").isEqualTo(TaskStatus.getClassSchema());
    }
  }

  @Test
  void servesVersionsLatestLookupsAndSoftDeletes(KafkaBroker.Info kafka) {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      RegistryHttp http = RegistryHttp.of(registry);
      int v1 = http.post("/subjects/orders-value/versions", schema(V1)).body().get("id").asInt();
      int v2 =
          http.post("/subjects/orders-value/versions", schema(V2_WITH_DEFAULT))
              .body()
              .get("id")
              .asInt();

      assertThat(http.get("/subjects").body().toString()).isEqualTo("[\"orders-value\"]");
      assertThat(http.get("/subjects/orders-value/versions").body().toString()).isEqualTo("[1,2]");
      Answer latest = http.get("/subjects/orders-value/versions/latest");
      assertThat(latest.body().get("version").asInt()).isEqualTo(2);
      assertThat(latest.body().get("id").asInt()).isEqualTo(v2);
      assertThat(latest.body().get("subject").asText()).isEqualTo("orders-value");
      assertThat(latest.body().has("schemaType")).as("schemaType is omitted for AVRO").isFalse();
      assertThat(http.get("/subjects/orders-value/versions/1").body().get("id").asInt())
          .isEqualTo(v1);

      Answer lookup = http.post("/subjects/orders-value", schema(V1));
      assertThat(lookup.body().get("version").asInt()).isEqualTo(1);
      assertThat(lookup.body().get("id").asInt()).isEqualTo(v1);
      assertError(http.post("/subjects/orders-value", schema(V2_WITHOUT_DEFAULT)), 404, 40403);
      assertError(http.post("/subjects/nobody", schema(V1)), 404, 40401);
      assertError(http.get("/subjects/nobody/versions"), 404, 40401);
      assertError(http.get("/subjects/orders-value/versions/7"), 404, 40402);
      assertError(http.get("/subjects/orders-value/versions/zero"), 422, 42202);

      assertThat(http.delete("/subjects/orders-value").body().toString()).isEqualTo("[1,2]");
      assertError(http.get("/subjects/orders-value/versions"), 404, 40401);
      assertThat(http.get("/subjects").body()).isEmpty();
      assertThat(http.get("/subjects?deleted=true").body().toString())
          .isEqualTo("[\"orders-value\"]");
      assertThat(http.get("/schemas/ids/" + v1).status())
          .as("ids stay readable after a soft delete")
          .isEqualTo(200);
      Answer reRegistered = http.post("/subjects/orders-value/versions", schema(V1));
      assertThat(reRegistered.body().get("id").asInt()).isEqualTo(v1);
      assertThat(http.get("/subjects/orders-value/versions").body().toString())
          .as("versions are never reused")
          .isEqualTo("[3]");
    }
  }

  @Test
  void rejectsABackwardIncompatibleChangeUntilTheSubjectAllowsIt(KafkaBroker.Info kafka) {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      RegistryHttp http = RegistryHttp.of(registry);
      http.post("/subjects/orders-value/versions", schema(V1));
      assertThat(http.get("/config").body().get("compatibilityLevel").asText())
          .isEqualTo("BACKWARD");

      Answer check =
          http.post(
              "/compatibility/subjects/orders-value/versions/latest?verbose=true",
              schema(V2_WITHOUT_DEFAULT));
      assertThat(check.body().get("is_compatible").asBoolean()).isFalse();
      assertThat(check.body().get("messages").toString())
          .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
      assertThat(
              http.post("/compatibility/subjects/orders-value/versions/1", schema(V2_WITH_DEFAULT))
                  .body()
                  .get("is_compatible")
                  .asBoolean())
          .isTrue();
      assertError(
          http.post("/subjects/orders-value/versions", schema(V2_WITHOUT_DEFAULT)), 409, 409);
      assertThat(http.get("/subjects/orders-value/versions").body()).hasSize(1);

      assertError(http.get("/config/orders-value"), 404, 40408);
      assertThat(
              http.put("/config/orders-value", Map.of("compatibility", "NONE")).body().toString())
          .isEqualTo("{\"compatibility\":\"NONE\"}");
      assertThat(http.get("/config/orders-value").body().get("compatibilityLevel").asText())
          .isEqualTo("NONE");
      assertThat(http.post("/subjects/orders-value/versions", schema(V2_WITHOUT_DEFAULT)).status())
          .isEqualTo(200);

      http.put("/config/orders-value", Map.of("compatibility", "FORWARD"));
      assertThat(
              http.post("/compatibility/subjects/orders-value/versions/latest", schema(V1))
                  .body()
                  .get("is_compatible")
                  .asBoolean())
          .as("FORWARD: the latest (with amount) cannot read data written without amount")
          .isFalse();
      assertError(http.put("/config", Map.of("compatibility", "SIDEWAYS")), 422, 42203);
    }
  }

  @Test
  void answersUnsupportedAndInvalidSchemasWith42201(KafkaBroker.Info kafka) {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      RegistryHttp http = RegistryHttp.of(registry);
      assertError(
          http.post(
              "/subjects/json-value/versions",
              Map.of("schema", "{\"type\":\"object\"}", "schemaType", "JSON")),
          422,
          42201);
      assertError(
          http.post(
              "/subjects/proto-value/versions",
              Map.of("schema", "syntax = \"proto3\";", "schemaType", "PROTOBUF")),
          422,
          42201);
      assertError(
          http.post("/subjects/bad-value/versions", schema("{\"type\":\"record\"}")), 422, 42201);
      assertError(http.get("/no/such/path"), 404, 404);
      assertThat(http.get("/subjects").body()).isEmpty();
    }
  }

  @Test
  void aSecondInstanceStartedOnTheSameTopicServesTheSameIds(KafkaBroker.Info kafka)
      throws Exception {
    String topic = kafka.uniqueName("schemas");
    int statusId;
    int requestId;
    int ordersV2;
    try (LocalSchemaRegistry first = new LocalSchemaRegistry(kafka.bootstrapServers(), topic, 0)) {
      SchemaRegistryClient client = SchemaRegistryClient.of(first.url());
      statusId = client.register("task-status-value", TaskStatus.getClassSchema());
      requestId = client.register("video-request-value", VideoRequest.getClassSchema());
      RegistryHttp http = RegistryHttp.of(first);
      http.post("/subjects/orders-value/versions", schema(V1));
      ordersV2 =
          http.post("/subjects/orders-value/versions", schema(V2_WITH_DEFAULT))
              .body()
              .get("id")
              .asInt();
      http.put("/config/orders-value", Map.of("compatibility", "FULL"));
    }

    try (LocalSchemaRegistry second = new LocalSchemaRegistry(kafka.bootstrapServers(), topic, 0)) {
      SchemaRegistryClient client = SchemaRegistryClient.of(second.url());
      RegistryHttp http = RegistryHttp.of(second);
      assertThat(client.schemaById(statusId)).isEqualTo(TaskStatus.getClassSchema());
      assertThat(client.schemaById(requestId)).isEqualTo(VideoRequest.getClassSchema());
      assertThat(client.register("task-status-value", TaskStatus.getClassSchema()))
          .isEqualTo(statusId);
      assertThat(client.latest("orders-value").id()).isEqualTo(ordersV2);
      assertThat(client.latest("orders-value").version()).isEqualTo(2);
      assertThat(http.get("/config/orders-value").body().get("compatibilityLevel").asText())
          .isEqualTo("FULL");
      int next =
          http.post("/subjects/brand-new/versions", schema(V2_WITHOUT_DEFAULT))
              .body()
              .get("id")
              .asInt();
      assertThat(next).as("new ids continue after the replayed ones").isEqualTo(ordersV2 + 1);
    }

    try (Admin admin = Admin.create(kafka.clientConfig())) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
    }
  }

  @Test
  void twoRunningInstancesOnOneTopicNeverHandOutTheSameIdTwice(KafkaBroker.Info kafka) {
    String topic = kafka.uniqueName("schemas");
    try (LocalSchemaRegistry a = new LocalSchemaRegistry(kafka.bootstrapServers(), topic, 0);
        LocalSchemaRegistry b = new LocalSchemaRegistry(kafka.bootstrapServers(), topic, 0)) {
      RegistryHttp httpA = RegistryHttp.of(a);
      RegistryHttp httpB = RegistryHttp.of(b);
      int x = httpA.post("/subjects/x/versions", schema(V1)).body().get("id").asInt();
      int y = httpB.post("/subjects/y/versions", schema(V2_WITH_DEFAULT)).body().get("id").asInt();
      int z =
          httpA.post("/subjects/z/versions", schema(V2_WITHOUT_DEFAULT)).body().get("id").asInt();

      assertThat(List.of(x, y, z)).containsExactly(1, 2, 3);
      for (RegistryHttp http : List.of(httpA, httpB)) {
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  assertThat(http.get("/subjects").body().toString())
                      .isEqualTo("[\"x\",\"y\",\"z\"]");
                  assertThat(http.get("/subjects/z/versions/1").body().get("id").asInt())
                      .isEqualTo(3);
                  assertThat(http.get("/schemas/ids/2").body().get("schema").asText())
                      .isEqualTo(new Schema.Parser().parse(V2_WITH_DEFAULT).toString());
                });
      }
    }
  }

  private static void assertError(Answer answer, int status, int errorCode) {
    assertThat(answer.status()).as("HTTP status of %s", answer.body()).isEqualTo(status);
    assertThat(answer.body().get("error_code").asInt()).isEqualTo(errorCode);
    assertThat(answer.body().get("message").asText()).isNotBlank();
    assertThat(answer.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
  }
}
