package io.wanpipeline.infra.bench;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Tasks created at the simulator and announced SUBMITTED as the submitter would. */
final class Workload {
  /** Text-to-video models of 5 create calls a second each in region cn. */
  static final List<String> MODELS =
      List.of(
          "wan2.5-t2v-preview",
          "wan2.6-t2v",
          "wan2.7-t2v",
          "wan2.7-t2v-2026-04-25",
          "wan2.7-t2v-2026-06-12");

  private Workload() {}

  /**
   * One created task.
   *
   * @param requestId the pipeline's request_id
   * @param taskId the provider's task id
   * @param account provider account name
   * @param key the key that created it
   * @param model provider model id
   * @param submittedAt when the create call was answered
   */
  record Task(
      String requestId,
      String taskId,
      String account,
      ApiKey key,
      String model,
      Instant submittedAt) {}

  /** The key of {@code account} as configured with a single key ({@code <account>#0}). */
  static ApiKey keyOf(String account, String secret) {
    return new ApiKey(account + "#0", secret);
  }

  static GenerationRequest request(String model, String prompt) {
    return new GenerationRequest(
        model,
        new GenerationRequest.Input(prompt, null, null, null, null, null, null, null, null, null),
        GenerationRequest.Parameters.EMPTY);
  }

  /**
   * Creates a task; null when the create call was throttled, its answer lost or it was refused for
   * a reason worth another try (a 5xx, a connection broken by the loaded simulator): the caller
   * asks again. Each distinct such reason is reported once on stderr, so a run that survives it
   * still says what broke.
   *
   * @throws IllegalStateException when the simulator refuses for a reason another try cannot mend
   */
  static Task create(
      WanClient client,
      String account,
      ApiKey key,
      String model,
      String prompt,
      String requestId,
      Instant now) {
    SubmitOutcome outcome = client.submit(key, request(model, prompt), requestId);
    if (outcome instanceof SubmitOutcome.Accepted accepted) {
      return new Task(
          requestId, accepted.taskId(), account, key, model, now.truncatedTo(ChronoUnit.MILLIS));
    }
    if (outcome instanceof SubmitOutcome.Refused refused && refused.error().throttled()) {
      return null;
    }
    if (outcome instanceof SubmitOutcome.Refused refused && refused.error().retryable()) {
      transient_(refused.error().code() + ": " + refused.error().message());
      return null;
    }
    if (outcome instanceof SubmitOutcome.InDoubt doubt) {
      // A connection dropped after sending (the loaded simulator closed it): ask again. A task the
      // simulator may have made from the lost call is never announced, so no poller polls it and
      // no figure counts it.
      transient_("no answer: " + doubt);
      return null;
    }
    throw new IllegalStateException("the simulator refused a create call: " + outcome);
  }

  /**
   * {@link #create} until it succeeds, 200 ms apart, for at most {@value #CREATE_ATTEMPTS}
   * attempts.
   *
   * @throws IllegalStateException when every attempt failed
   */
  static Task createRetrying(
      WanClient client, String account, ApiKey key, String model, String prompt, String requestId)
      throws InterruptedException {
    for (int attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
      Task task = create(client, account, key, model, prompt, requestId, Instant.now());
      if (task != null) {
        return task;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "could not create task " + requestId + " in " + CREATE_ATTEMPTS + " attempts");
  }

  /** Attempts of {@link #createRetrying}: 10 s of throttling or faults. */
  static final int CREATE_ATTEMPTS = 50;

  private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

  private static void transient_(String reason) {
    String key = reason.length() > 200 ? reason.substring(0, 200) : reason;
    if (REPORTED.add(key)) {
      System.err.println("  a create call failed and is asked again: " + key);
    }
  }

  /** The SUBMITTED event of {@code task}. */
  static TaskStatus submitted(Task task) {
    return TaskStatus.newBuilder()
        .setRequestId(task.requestId())
        .setAccountId("bench")
        .setProviderAccount(task.account())
        .setApiKeyRef(task.key().ref())
        .setModel(task.model())
        .setState(TaskState.SUBMITTED)
        .setTaskId(task.taskId())
        .setEventTime(task.submittedAt())
        .setSubmittedAt(task.submittedAt())
        .setPriority(Priority.LIVE)
        .setMetadata(Map.of())
        .build();
  }
}
