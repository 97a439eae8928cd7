package io.wanpipeline.wan.dialect.apiyi;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.dialect.newapi.NewApiErrors;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * APIYI (seed 002, wan-protocol.md 5.3; also laozhang.ai): a new-api based gateway with a DashScope
 * passthrough channel.
 *
 * <ul>
 *   <li>Create: the native body, {@code input.media[]} of wan2.7 and HappyHorse included, on {@code
 *       POST /wan/api/v1/services/aigc/...} with {@code X-DashScope-Async: enable} (without it the
 *       call is refused with "current user api does not support synchronous calls"); never APIYI's
 *       OpenAI-style {@code /v1/videos}, which drops the media ({@code [InvalidParameter] Field
 *       required: input.media}). Refusals are read by {@link ApiyiErrors}.
 *   <li>Query: APIYI's normalized {@code GET /v1/tasks/{task_id}} ({@code submitted}, {@code
 *       in_progress}, {@code completed}, {@code failed}, read by {@link ApiyiTaskParser}); the
 *       failure's code is the bracketed one of {@code error.message} ({@code [InvalidImageUrl] ...}
 *       is retryable, {@code [InvalidParameter]} is not, by {@code DashScopeErrorClassifier}).
 *   <li>Usage: the normalized task carries none. When it says {@code completed}, the client fetches
 *       the native-shaped task once, {@code GET /wan/api/v1/tasks/{task_id}}, and takes its {@code
 *       usage} ({@code video_duration} or {@code duration}, {@code SR}) and its China-time {@code
 *       submit_time}, {@code scheduled_time}, {@code end_time}; the link stays the normalized
 *       {@code result_url}. If that fetch fails retryably the query fails retryably (billing never
 *       sees a success without its seconds); if it fails for good, the success is answered without
 *       usage (billing then falls back to the requested duration) and a warning is logged.
 *   <li>Cancel and list: APIYI offers neither; they fail with a non-retryable {@code
 *       UNSUPPORTED_OPERATION} and make no call.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class ApiyiClient implements WanClient {

  private static final Logger LOG = LoggerFactory.getLogger(ApiyiClient.class);

  /** The dialect's name in {@code provider.<name>.dialect}. */
  public static final String DIALECT = "apiyi";

  /** The passthrough's prefix before the native {@code /api/v1/...} paths. */
  public static final String PATH_PREFIX = "/wan";

  /** APIYI's normalized task query, below the base URL. */
  public static final String TASKS_PATH = "/v1/tasks/";

  private static final String OFFERED =
      "APIYI serves only create (/wan/api/v1/services/...) and query (/v1/tasks/{task_id})";

  private final DashScopeClient passthrough;

  private ApiyiClient(DashScopeClient passthrough) {
    this.passthrough = passthrough;
  }

  /**
   * A client over {@code transport} (base URL such as {@code https://api.apiyi.com}, timeouts,
   * clock), with the passthrough's prefix and APIYI's errors set on it; create paths stay the
   * catalogue's per model.
   */
  public static ApiyiClient create(DashScopeClient.Builder transport) {
    Objects.requireNonNull(transport, "transport");
    return new ApiyiClient(
        transport.pathPrefix(PATH_PREFIX).gatewayErrors(new ApiyiErrors()).build());
  }

  /**
   * A client with default timeouts.
   *
   * @param baseUrl scheme and host without the prefix, for example {@code https://api.apiyi.com}
   * @param clock the clock an HTTP-date {@code Retry-After} is measured against
   */
  public static ApiyiClient of(URI baseUrl, Clock clock) {
    return create(DashScopeClient.builder().baseUrl(baseUrl).clock(clock));
  }

  @Override
  public SubmitOutcome submit(ApiKey key, GenerationRequest request, String pipelineRequestId) {
    return passthrough.submit(key, request, pipelineRequestId);
  }

  @Override
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId) {
    String path =
        TASKS_PATH + URLEncoder.encode(taskId, StandardCharsets.UTF_8).replace("+", "%20");
    QueryOutcome<TaskSnapshot> normalized =
        passthrough.get(key, path, "query", taskId, root -> ApiyiTaskParser.snapshot(root, taskId));
    if (normalized instanceof QueryOutcome.Failed<TaskSnapshot> failed) {
      if (NewApiErrors.TASK_NOT_EXIST.equals(failed.error().code())) {
        LOG.debug("query taskId={} keyRef={} unknown to APIYI", taskId, key.ref());
        return new QueryOutcome.Answered<>(
            new TaskSnapshot(
                taskId, ProviderStatus.UNKNOWN, null, null, null, null, null, null, null));
      }
      return failed;
    }
    TaskSnapshot task = ((QueryOutcome.Answered<TaskSnapshot>) normalized).value();
    LOG.debug("query taskId={} keyRef={} status={}", taskId, key.ref(), task.status());
    if (task.status() != ProviderStatus.SUCCEEDED) {
      return normalized;
    }
    return withUsage(key, task);
  }

  /** The completed task with the usage and times of its native-shaped answer. */
  private QueryOutcome<TaskSnapshot> withUsage(ApiKey key, TaskSnapshot completed) {
    QueryOutcome<TaskSnapshot> nativeAnswer = passthrough.query(key, completed.taskId());
    if (nativeAnswer instanceof QueryOutcome.Failed<TaskSnapshot> failed) {
      WanError e = failed.error();
      if (e.retryable()) {
        return new QueryOutcome.Failed<>(
            new WanError(
                e.code(),
                "the task completed but its usage could not be read from "
                    + PATH_PREFIX
                    + "/api/v1/tasks/{task_id}: "
                    + e.message(),
                true,
                e.stage(),
                e.httpStatus(),
                e.retryAfter()));
      }
      LOG.warn(
          "usage of a completed task unreadable, answered without usage taskId={} keyRef={}"
              + " code={} status={}",
          completed.taskId(),
          key.ref(),
          e.code(),
          e.httpStatus());
      return new QueryOutcome.Answered<>(completed);
    }
    TaskSnapshot n = ((QueryOutcome.Answered<TaskSnapshot>) nativeAnswer).value();
    if (n.status() != ProviderStatus.SUCCEEDED) {
      LOG.warn(
          "native task disagrees with the normalized one, answered without usage taskId={}"
              + " keyRef={} nativeStatus={}",
          completed.taskId(),
          key.ref(),
          n.status());
      return new QueryOutcome.Answered<>(completed);
    }
    return new QueryOutcome.Answered<>(
        new TaskSnapshot(
            completed.taskId(),
            ProviderStatus.SUCCEEDED,
            n.submitTime() != null ? n.submitTime() : completed.submitTime(),
            n.scheduledTime() != null ? n.scheduledTime() : completed.scheduledTime(),
            n.endTime() != null ? n.endTime() : completed.endTime(),
            completed.videoUrl() != null ? completed.videoUrl() : n.videoUrl(),
            n.usage(),
            null,
            null));
  }

  /** Not offered by APIYI: a non-retryable failure, without a call. */
  @Override
  public QueryOutcome<Boolean> cancel(ApiKey key, String taskId) {
    return new QueryOutcome.Failed<>(NewApiErrors.unsupported("cancel", DIALECT, OFFERED));
  }

  /** Not offered by APIYI: a non-retryable failure, without a call. */
  @Override
  public QueryOutcome<TaskPage> list(ApiKey key, TaskListQuery query) {
    return new QueryOutcome.Failed<>(NewApiErrors.unsupported("list", DIALECT, OFFERED));
  }
}
