package io.wanpipeline.runtime.config;

import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a service to the event contract's compatibility policy (docs/contract.md) at its start: the
 * public subjects it writes must be {@value #LEVEL}, so that every new version of a public schema
 * reads and is read by every earlier one. A subject without a level of its own is given it when the
 * pipeline registers its schemas itself; a subject left to the registry's default or set to another
 * level by someone else stops the start, naming the subject and the fix. Then each schema is
 * registered, or only looked up when {@code schema-registry.auto-register} is false, so that a
 * schema the registry would refuse, or one missing, stops the start rather than a first record.
 */
public final class SchemaContract {
  private static final Logger log = LoggerFactory.getLogger(SchemaContract.class);

  /** The compatibility level of every public subject. */
  public static final String LEVEL = "FULL_TRANSITIVE";

  private SchemaContract() {}

  /** The subject of the values of {@code topic} (the topic-name strategy). */
  public static String valueSubject(String topic) {
    return topic + "-value";
  }

  /**
   * Enforces the policy on {@code subjects} (subject to the schema this service writes there), with
   * the registry of {@code settings}; its {@code autoRegister} says whether the pipeline registers
   * its schemas (and sets unset levels).
   *
   * @throws ConfigException when a subject's level is not the policy's, or a schema is missing
   */
  public static void enforce(RegistrySettings settings, Map<String, Schema> subjects) {
    SchemaRegistryClient registry = settings.client();
    boolean autoRegister = settings.autoRegister();
    for (Map.Entry<String, Schema> e : subjects.entrySet()) {
      String subject = e.getKey();
      Optional<String> own = registry.subjectCompatibility(subject);
      if (own.isEmpty() && autoRegister) {
        registry.setSubjectCompatibility(subject, LEVEL);
        log.info("Compatibility set: subject={}, level={}", subject, LEVEL);
      } else {
        String level = own.orElseGet(registry::defaultCompatibility);
        if (!LEVEL.equals(level)) {
          throw new ConfigException(
              "schema registry subject "
                  + subject
                  + " has compatibility "
                  + level
                  + (own.isEmpty() ? " (the registry's default)" : "")
                  + "; the event contract needs "
                  + LEVEL
                  + " (docs/contract.md): PUT /config/"
                  + subject
                  + " {\"compatibility\": \""
                  + LEVEL
                  + "\"}");
        }
      }
      registry.register(subject, e.getValue());
    }
  }
}
