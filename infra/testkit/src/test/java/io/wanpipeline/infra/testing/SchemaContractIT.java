package io.wanpipeline.infra.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.RegistrySettings;
import io.wanpipeline.runtime.config.SchemaContract;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The event contract's compatibility policy at a service's start, against the local registry (which
 * implements Confluent's config and lookup endpoints; ConfluentClientOracleIT judges it).
 */
@ExtendWith(KafkaBroker.class)
class SchemaContractIT {

  private static RegistrySettings settings(LocalSchemaRegistry registry, boolean autoRegister) {
    return RegistrySettings.from(
        Settings.of(
            Map.of(
                "schema-registry.url",
                registry.url(),
                "schema-registry.auto-register",
                String.valueOf(autoRegister))));
  }

  @Test
  void givesAnUnsetSubjectThePolicysLevelAndRegistersTheSchemaAtOnce(KafkaBroker.Info kafka) {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      SchemaContract.enforce(
          settings(registry, true), Map.of("task-status-value", TaskStatus.getClassSchema()));

      SchemaRegistryClient client = SchemaRegistryClient.of(registry.url());
      assertThat(client.subjectCompatibility("task-status-value")).contains("FULL_TRANSITIVE");
      assertThat(client.latest("task-status-value").schema())
          .isEqualTo(TaskStatus.getClassSchema());
      // Again, as every restart does: nothing changes, nothing fails.
      SchemaContract.enforce(
          settings(registry, true), Map.of("task-status-value", TaskStatus.getClassSchema()));
      assertThat(client.latest("task-status-value").version()).isEqualTo(1);
    }
  }

  @Test
  void aSubjectSetToAnotherLevelStopsTheStartNamingTheFix(KafkaBroker.Info kafka) {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      SchemaRegistryClient.of(registry.url())
          .setSubjectCompatibility("task-status-value", "BACKWARD");

      assertThatThrownBy(
              () ->
                  SchemaContract.enforce(
                      settings(registry, true),
                      Map.of("task-status-value", TaskStatus.getClassSchema())))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("task-status-value has compatibility BACKWARD")
          .hasMessageContaining("PUT /config/task-status-value");
    }
  }

  @Test
  void withoutAutoRegistrationAMissingSchemaOrUnsetLevelStopsTheStart(KafkaBroker.Info kafka) {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      Map<String, org.apache.avro.Schema> subjects =
          Map.of("task-status-value", TaskStatus.getClassSchema());
      assertThatThrownBy(() -> SchemaContract.enforce(settings(registry, false), subjects))
          .as("left to the registry's default (BACKWARD), which the pipeline may not change")
          .hasMessageContaining("BACKWARD (the registry's default)");

      SchemaRegistryClient owner = SchemaRegistryClient.of(registry.url());
      owner.setSubjectCompatibility("task-status-value", "FULL_TRANSITIVE");
      assertThatThrownBy(() -> SchemaContract.enforce(settings(registry, false), subjects))
          .hasMessageContaining("is not registered under subject task-status-value")
          .hasMessageContaining("auto-register is false");

      int id = owner.register("task-status-value", TaskStatus.getClassSchema());
      SchemaContract.enforce(settings(registry, false), subjects);
      assertThat(
              settings(registry, false)
                  .client()
                  .register("task-status-value", TaskStatus.getClassSchema()))
          .as("looked up, not registered")
          .isEqualTo(id);
      assertThat(owner.latest("task-status-value").version()).isEqualTo(1);
    }
  }
}
