package io.wanpipeline.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityLevelTest {
  private static final Schema ID_ONLY = record("{\"name\":\"id\",\"type\":\"string\"}");
  private static final Schema WITH_OPTIONAL_NOTE =
      record(
          "{\"name\":\"id\",\"type\":\"string\"},"
              + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}");
  private static final Schema WITH_REQUIRED_AMOUNT =
      record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"amount\",\"type\":\"long\"}");
  private static final Schema AMOUNT_ONLY = record("{\"name\":\"amount\",\"type\":\"long\"}");

  @Test
  void backwardRejectsANewFieldWithoutADefaultAndAcceptsOneWithADefault() {
    assertThat(CompatibilityLevel.BACKWARD.violations(WITH_REQUIRED_AMOUNT, List.of(ID_ONLY)))
        .singleElement()
        .asString()
        .startsWith("BACKWARD: READER_FIELD_MISSING_DEFAULT_VALUE");
    assertThat(CompatibilityLevel.BACKWARD.violations(WITH_OPTIONAL_NOTE, List.of(ID_ONLY)))
        .isEmpty();
  }

  @Test
  void forwardRejectsDroppingAFieldTheOldReaderNeeds() {
    assertThat(CompatibilityLevel.FORWARD.violations(ID_ONLY, List.of(WITH_REQUIRED_AMOUNT)))
        .isNotEmpty();
    assertThat(CompatibilityLevel.BACKWARD.violations(ID_ONLY, List.of(WITH_REQUIRED_AMOUNT)))
        .as("the new reader simply ignores amount")
        .isEmpty();
  }

  @Test
  void fullNeedsBothDirections() {
    assertThat(CompatibilityLevel.FULL.violations(WITH_OPTIONAL_NOTE, List.of(ID_ONLY))).isEmpty();
    assertThat(CompatibilityLevel.FULL.violations(WITH_REQUIRED_AMOUNT, List.of(ID_ONLY)))
        .isNotEmpty();
  }

  @Test
  void nonTransitiveLevelsCheckOnlyTheLatestVersion() {
    List<Schema> history = List.of(AMOUNT_ONLY, ID_ONLY);
    assertThat(CompatibilityLevel.BACKWARD.violations(WITH_OPTIONAL_NOTE, history)).isEmpty();
    assertThat(CompatibilityLevel.BACKWARD_TRANSITIVE.violations(WITH_OPTIONAL_NOTE, history))
        .as("the first version had no id, which the candidate requires")
        .isNotEmpty();
  }

  @Test
  void noneAndAnEmptySubjectAcceptAnything() {
    assertThat(CompatibilityLevel.NONE.violations(AMOUNT_ONLY, List.of(ID_ONLY))).isEmpty();
    assertThat(CompatibilityLevel.FULL_TRANSITIVE.violations(AMOUNT_ONLY, List.of())).isEmpty();
  }

  @Test
  void parsesLevelsCaseInsensitivelyAndRejectsUnknownOnesWith42203() {
    assertThat(CompatibilityLevel.parse("full_transitive"))
        .isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
    assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
        .isInstanceOfSatisfying(
            RegistryError.class, e -> assertThat(e.errorCode()).isEqualTo(42203));
  }

  private static Schema record(String fields) {
    return new Schema.Parser()
        .parse("{\"type\":\"record\",\"name\":\"Order\",\"fields\":[" + fields + "]}");
  }
}
