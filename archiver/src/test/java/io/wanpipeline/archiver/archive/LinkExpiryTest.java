package io.wanpipeline.archiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LinkExpiryTest {
  private static final Instant EVENT = Instant.parse("2026-03-01T10:00:05Z");
  private static final Instant END = Instant.parse("2026-03-01T10:00:00Z");

  private static TaskStatus.Builder succeeded() {
    return TaskStatuses.of("r1", TaskState.SUCCEEDED)
        .setProviderAccount("sim")
        .setTaskId("t1")
        .setEventTime(EVENT);
  }

  @Test
  void theEventsExpiryWins() {
    Instant expires = Instant.parse("2026-03-01T12:00:00Z");
    assertThat(
            VideoArchiver.linkExpiry(
                succeeded().setProviderEndTime(END).setResultExpiresAt(expires).build()))
        .isEqualTo(expires);
  }

  @Test
  void withoutItTheProviderEndPlus24Hours() {
    assertThat(VideoArchiver.linkExpiry(succeeded().setProviderEndTime(END).build()))
        .isEqualTo(END.plus(Duration.ofHours(24)));
  }

  @Test
  void withoutEitherTheEventTimePlus24Hours() {
    assertThat(VideoArchiver.linkExpiry(succeeded().build()))
        .isEqualTo(EVENT.plus(Duration.ofHours(24)));
  }
}
