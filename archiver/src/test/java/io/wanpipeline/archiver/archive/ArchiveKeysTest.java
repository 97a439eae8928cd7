package io.wanpipeline.archiver.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArchiveKeysTest {

  @Test
  void keyIsPrefixAccountUtcDateAndRequest() {
    assertThat(
            ArchiveKeys.key(
                "videos", "acme", Instant.parse("2026-03-01T23:59:59.999Z"), "req-1.a_b"))
        .isEqualTo("videos/acme/2026/03/01/req-1.a_b.mp4");
    assertThat(ArchiveKeys.key("videos", "acme", Instant.parse("2026-03-02T00:00:00Z"), "req-1"))
        .as("the UTC day, not China time")
        .isEqualTo("videos/acme/2026/03/02/req-1.mp4");
  }

  @Test
  void encodesEverythingOutsideTheSafeSet() {
    assertThat(ArchiveKeys.encode("a/b")).isEqualTo("a%2Fb");
    assertThat(ArchiveKeys.encode("batch:2026:01")).isEqualTo("batch%3A2026%3A01");
    assertThat(ArchiveKeys.encode("50%")).isEqualTo("50%25");
    assertThat(ArchiveKeys.encode("é x")).isEqualTo("%C3%A9%20x");
    assertThat(ArchiveKeys.encode("..")).isEqualTo("%2E%2E");
    assertThat(ArchiveKeys.encode(".")).isEqualTo("%2E");
    assertThat(ArchiveKeys.encode("a..b")).isEqualTo("a..b");
    assertThat(ArchiveKeys.encode("Req_1-2.x")).isEqualTo("Req_1-2.x");
  }

  @Test
  void distinctIdsNeverShareAKey() {
    List<String> ids =
        List.of("a/b", "a%2Fb", "a%252Fb", "a:b", "a%3Ab", ".", "%2E", "..", "a b", "a+b", "A/B");
    Set<String> keys = new HashSet<>();
    for (String id : ids) {
      keys.add(ArchiveKeys.key("v", id, Instant.EPOCH, id));
    }
    assertThat(keys).hasSize(ids.size());
  }

  @Test
  void refusesEmptyIds() {
    assertThatThrownBy(() -> ArchiveKeys.encode("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ArchiveKeys.encode(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
