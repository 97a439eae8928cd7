package io.wanpipeline.wan.dialect.crazyrouter;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.catalogue.Endpoint;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.dashscope.GatewayErrors;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.dialect.newapi.NewApiErrors;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Crazyrouter's Ali Bailian-compatible alias of the native protocol (seeds 000 and 001,
 * docs/protocol.md 5.2): native bodies and answers under the prefix {@value #PATH_PREFIX}, through
 * a new-api based gateway. What differs from DashScope itself:
 *
 * <ul>
 *   <li>every model is created on {@code POST /alibailian/api/v1/services/aigc/video-generation/
 *       video-synthesis}, the only create path Crazyrouter documents, first-and-last-frame ({@code
 *       wan2.2-kf2v-flash}) and {@code wan2.2-s2v} ("subject-reference", {@code input.image_url})
 *       included: the gateway routes them upstream itself;
 *   <li>a model the key may not use is refused by the gateway's distributor with HTTP 503 {@code
 *       model_not_found} (not a 404, and no task exists): {@link SubmitOutcome.Refused}, not
 *       retryable; {@code get_channel_failed} is refused retryable (see {@link
 *       io.wanpipeline.wan.dialect.newapi.NewApiErrors});
 *   <li>a task the gateway has no record of for the key answers HTTP 400 {@code task_not_exist}
 *       instead of DashScope's 200 UNKNOWN: read as UNKNOWN all the same;
 *   <li>cancel and list are not offered (only create and query are): they fail with a non-retryable
 *       {@code UNSUPPORTED_OPERATION} and make no call.
 * </ul>
 *
 * <p>Everything else (statuses, times, {@code usage}, signed OSS links, upstream errors relayed
 * with their native codes) is the native protocol, read by {@link DashScopeClient}. Thread-safe.
 */
public final class CrazyrouterClient implements WanClient {

  /** The dialect's name in {@code provider.<name>.dialect}. */
  public static final String DIALECT = "crazyrouter";

  /** The alias's prefix before the native {@code /api/v1/...} paths. */
  public static final String PATH_PREFIX = "/alibailian";

  private static final String OFFERED = "its Ali-compatible alias serves only create and query";

  /** new-api's distributor refusals and its answer for an unknown task. */
  static final GatewayErrors ERRORS =
      new GatewayErrors() {
        @Override
        public Optional<WanError> refusedBeforeDispatch(
            int httpStatus, ProviderErrorBody error, byte[] body, Duration retryAfter) {
          return NewApiErrors.distributorRefusal(httpStatus, error, retryAfter);
        }

        @Override
        public boolean unknownTask(int httpStatus, ProviderErrorBody error) {
          return NewApiErrors.taskNotExist(error);
        }
      };

  private final DashScopeClient alias;

  private CrazyrouterClient(DashScopeClient alias) {
    this.alias = alias;
  }

  /**
   * A client over {@code transport} (base URL such as {@code https://crazyrouter.com}, timeouts,
   * clock), with the alias's prefix, create path and errors set on it.
   */
  public static CrazyrouterClient create(DashScopeClient.Builder transport) {
    Objects.requireNonNull(transport, "transport");
    return new CrazyrouterClient(
        transport
            .pathPrefix(PATH_PREFIX)
            .endpoints(model -> Endpoint.VIDEO_GENERATION)
            .gatewayErrors(ERRORS)
            .build());
  }

  /**
   * A client with default timeouts.
   *
   * @param baseUrl scheme and host without the prefix, for example {@code https://crazyrouter.com}
   * @param clock the clock an HTTP-date {@code Retry-After} is measured against
   */
  public static CrazyrouterClient of(URI baseUrl, Clock clock) {
    return create(DashScopeClient.builder().baseUrl(baseUrl).clock(clock));
  }

  @Override
  public SubmitOutcome submit(ApiKey key, GenerationRequest request, String pipelineRequestId) {
    return alias.submit(key, request, pipelineRequestId);
  }

  @Override
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId) {
    return alias.query(key, taskId);
  }

  /** Not offered by the alias: a non-retryable failure, without a call. */
  @Override
  public QueryOutcome<Boolean> cancel(ApiKey key, String taskId) {
    return new QueryOutcome.Failed<>(NewApiErrors.unsupported("cancel", DIALECT, OFFERED));
  }

  /** Not offered by the alias: a non-retryable failure, without a call. */
  @Override
  public QueryOutcome<TaskPage> list(ApiKey key, TaskListQuery query) {
    return new QueryOutcome.Failed<>(NewApiErrors.unsupported("list", DIALECT, OFFERED));
  }
}
