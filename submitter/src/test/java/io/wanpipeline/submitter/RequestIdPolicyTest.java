package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestIdPolicyTest {

  @Test
  void acceptsSafeIdsUpTo255Characters() {
    assertThat(RequestIdPolicy.problem("req-1")).isEmpty();
    assertThat(RequestIdPolicy.problem("tenant:batch_7.item-0042")).isEmpty();
    assertThat(RequestIdPolicy.problem("a".repeat(255))).isEmpty();
  }

  @Test
  void rejectsEmptyAndMissingIds() {
    assertThat(RequestIdPolicy.problem("")).contains("request_id is empty");
    assertThat(RequestIdPolicy.problem(null)).contains("request_id is empty");
  }

  @Test
  void rejectsIdsLongerThan255Characters() {
    assertThat(RequestIdPolicy.problem("a".repeat(256))).get().asString().contains("256");
  }

  @Test
  void rejectsCharactersUnsafeInObjectKeys() {
    for (String id : new String[] {"a/b", "a b", "a\\b", "é", "a?b", "a#b", "a\nb", "a%2Fb"}) {
      assertThat(RequestIdPolicy.problem(id)).as(id).isPresent();
    }
  }

  @Test
  void rejectsDotDot() {
    assertThat(RequestIdPolicy.problem("..")).get().asString().contains("..");
    assertThat(RequestIdPolicy.problem("a..b")).isPresent();
    assertThat(RequestIdPolicy.problem(".")).isPresent();
    assertThat(RequestIdPolicy.problem("a.b.c")).isEmpty();
  }
}
