package io.wanpipeline.archiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/** What the archiver ITs start from: a task the simulator finished, and its SUCCEEDED event. */
final class SucceededTasks {
  private SucceededTasks() {}

  /**
   * Submits a wan2.2-i2v-flash 480P task with {@code prompt} (simulator markers allowed), advances
   * the simulator's clock past its generation and returns the task as the provider reports it.
   */
  static TaskSnapshot finished(
      DashScopeClient provider, ApiKey key, AdjustableClock simClock, String prompt) {
    String taskId = submit(provider, key, prompt);
    simClock.advance(Duration.ofSeconds(5));
    return succeeded(provider, key, taskId);
  }

  /**
   * Submits a wan2.2-i2v-flash 480P task with {@code prompt} (simulator markers allowed) and
   * returns its task id.
   */
  static String submit(DashScopeClient provider, ApiKey key, String prompt) {
    GenerationRequest request = GenerationRequestBuilder.i2vFlash().prompt(prompt).build();
    SubmitOutcome outcome = provider.submit(key, request, UUID.randomUUID().toString());
    assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
    return ((SubmitOutcome.Accepted) outcome).taskId();
  }

  /** The task {@code taskId} as the provider reports it, which must be SUCCEEDED by now. */
  static TaskSnapshot succeeded(DashScopeClient provider, ApiKey key, String taskId) {
    QueryOutcome<TaskSnapshot> answer = provider.query(key, taskId);
    assertThat(answer).isInstanceOf(QueryOutcome.Answered.class);
    TaskSnapshot snapshot = ((QueryOutcome.Answered<TaskSnapshot>) answer).value();
    assertThat(snapshot.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    return snapshot;
  }

  /**
   * The SUCCEEDED event the poller would have produced for {@code task} of provider account {@code
   * account}, created with {@code key}; {@code origin} goes to its metadata.
   */
  static TaskStatus event(
      String requestId, String account, ApiKey key, TaskSnapshot task, String origin) {
    return TaskStatuses.succeeded(requestId)
        .setProviderAccount(account)
        .setApiKeyRef(key.ref())
        .setTaskId(task.taskId())
        .setEventTime(task.endTime().plusSeconds(2))
        .setProviderEndTime(task.endTime())
        .setUsage(
            TaskStatuses.usage(
                task.usage() == null ? 5_000 : task.usage().videoDurationMillis(), "480P"))
        .setMetadata(Map.of("origin", origin))
        .build();
  }

  /** The lower-case hex SHA-256 of the object at {@code bucket/key}, read back from S3. */
  static String sha256Of(S3Client s3, String bucket, String key) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key))) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = ((InputStream) in).read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
