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
 * APIYI (seed 002, docs/protocol.md 5.3; also laozhang.ai): a new-api based gateway with a
 * DashScope passthrough channel.
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
 *   <li>One call per query, and no usage: a query is exactly one {@code GET /v1/tasks/{task_id}};
 *       {@code completed} is answered SUCCEEDED with its {@code result_url} and times and a null
 *       usage, because that answer carries none. The client never also fetches the native-shaped
 *       {@code GET /wan/api/v1/tasks/{task_id}} for it: APIYI's documentation routes every query to
 *       {@code /v1/tasks/{task_id}}; APIYI bills "resolution tier x duration (seconds)", the
 *       requested duration, which billing already falls back to (with the requested resolution)
 *       when a success carries no usage; and a second call milliseconds after the status poll would
 *       query the task twice within the 3 s floor every poll of the pipeline must respect.
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

  /**
   * Exactly one {@code GET /v1/tasks/{task_id}}: a {@code completed} task is SUCCEEDED with its
   * link and times and no usage (see the class comment); new-api's "task not exist" is UNKNOWN.
   */
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
    return normalized;
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
