package io.wanpipeline.archiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.ArchiveLocation;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArchiveEventsTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:10Z");

  private final TaskStatus succeeded =
      TaskStatuses.succeeded("r1")
          .setProviderAccount("cn-main")
          .setApiKeyRef("cn-main#0")
          .setTaskId("t1")
          .setEventTime(Instant.parse("2026-03-01T12:00:00Z"))
          .setProviderEndTime(Instant.parse("2026-03-01T11:59:58Z"))
          .setPriority(Priority.BATCH)
          .setResultUrl("https://oss.example/1d/a.mp4")
          .setMetadata(Map.of("k", "v"))
          .build();

  @Test
  void archivedCopiesTheRequestAndAddsTheLocation() {
    ArchiveLocation location = ArchiveEvents.location("b", "videos/x.mp4", 42, "ab".repeat(32));

    TaskStatus archived = ArchiveEvents.archived(succeeded, location, null, NOW);

    assertThat(archived.getState()).isEqualTo(TaskState.ARCHIVED);
    assertThat(archived.getEventTime()).isEqualTo(NOW);
    assertThat(archived.getArchive()).isEqualTo(location);
    assertThat(location.getUri()).isEqualTo("s3://b/videos/x.mp4");
    assertThat(location.getContentType()).isEqualTo("video/mp4");
    assertThat(archived.getUsage()).isEqualTo(succeeded.getUsage());
    assertThat(archived.getMetadata()).isEqualTo(Map.of("k", "v"));
    assertThat(archived.getPriority()).isEqualTo(Priority.BATCH);
    assertThat(archived.getApiKeyRef()).isEqualTo("cn-main#0");
    assertThat(archived.getProviderEndTime()).isEqualTo(succeeded.getProviderEndTime());
    assertThat(archived.getResultUrl()).isEqualTo("https://oss.example/1d/a.mp4");
    assertThat(archived.getError()).isNull();
  }

  @Test
  void failedCarriesAnArchiveStageError() {
    TaskStatus failed =
        ArchiveEvents.failed(
            succeeded,
            ArchiveFailure.permanent(ArchiveFailure.LINK_EXPIRED, "the provider forgot it"),
            NOW);

    assertThat(failed.getState()).isEqualTo(TaskState.ARCHIVE_FAILED);
    assertThat(failed.getError().getCode()).isEqualTo("LINK_EXPIRED");
    assertThat(failed.getError().getStage()).isEqualTo(ErrorStage.ARCHIVE);
    assertThat(failed.getError().getMessage()).isEqualTo("the provider forgot it");
    assertThat(failed.getError().getRetryable()).isTrue();
    assertThat(failed.getArchive()).isNull();
    assertThat(failed.getUsage()).isEqualTo(succeeded.getUsage());

    TaskStatus tooLarge =
        ArchiveEvents.failed(
            succeeded, ArchiveFailure.permanent(ArchiveFailure.VIDEO_TOO_LARGE, "big"), NOW);
    assertThat(tooLarge.getError().getRetryable()).isFalse();
  }
}
