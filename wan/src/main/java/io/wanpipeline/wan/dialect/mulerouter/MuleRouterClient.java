package io.wanpipeline.wan.dialect.mulerouter;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.dialect.TaskCallFlow;
import io.wanpipeline.wan.http.HttpSettings;
import io.wanpipeline.wan.http.HttpSettingsBuilder;
import java.net.URI;
import java.time.Clock;
import java.util.Objects;

/**
 * The MuleRouter dialect of {@link WanClient} (docs/protocol.md 5.1, 5.4; SEED-3): {@code POST
 * /vendors/alibaba/v1/{model}/generation} with a flat body ({@link MuleRouterBody}), answered 202
 * {@code {"task_info":{...}}}; {@code GET /vendors/alibaba/v1/{model}/generation/{id}}. Because a
 * task is polled under its model's path, the task ids this client hands out are {@link
 * MuleRouterTaskId}s ({@code <model>/<id>}); {@link #query} accepts nothing else. MuleRouter offers
 * no cancel and no list: both answer a non-retryable {@value #UNSUPPORTED} failure. MuleRouter
 * reports no usage, so a succeeded snapshot has none unless the answer carries a {@code usage}
 * object; billing then falls back on the requested duration.
 *
 * <p>The calls go through the one {@link TaskCallFlow} (same rules as the native client: one
 * blocking call per method, per-attempt timeouts, no retries; a 4xx (429 included) or a 503 refuses
 * a create call, a timeout, reset or other 5xx leaves it in doubt) with MuleRouter's strategies:
 * {@link MuleRouterCreateCall}, {@link MuleRouterTaskQuery}, {@link MuleRouterErrors}. Thread-safe.
 */
public final class MuleRouterClient implements WanClient {

  /** The dialect name ({@code provider.<name>.dialect}). */
  public static final String DIALECT = "mulerouter";

  /** Client code of the calls MuleRouter does not offer (cancel, list). */
  public static final String UNSUPPORTED = "UNSUPPORTED_OPERATION";

  /** Client code of a model id that cannot be put into a MuleRouter path. */
  public static final String INVALID_MODEL = "INVALID_MODEL";

  /** Client code of a task id that is not a {@link MuleRouterTaskId}. */
  public static final String INVALID_TASK_ID = "INVALID_TASK_ID";

  /** The default vendor prefix of Alibaba's models on MuleRouter. */
  public static final String ALIBABA_VENDOR_PATH = "/vendors/alibaba/v1";

  private final TaskCallFlow flow;
  private final MuleRouterCreateCall create;
  private final MuleRouterTaskQuery query;

  private MuleRouterClient(Builder b, HttpSettings settings) {
    this.flow = new TaskCallFlow(settings, new MuleRouterErrors(), MuleRouterClient.class);
    this.create = new MuleRouterCreateCall(b.vendorPath);
    this.query = new MuleRouterTaskQuery(create);
  }

  /** Starts a builder; only the base URL is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A client of the gateway at {@code baseUrl} with the default timeouts. */
  public static MuleRouterClient of(URI baseUrl, Clock clock) {
    return builder().baseUrl(baseUrl).clock(clock).build();
  }

  /** The base URL, for example {@code https://api.mulerouter.ai}. */
  public URI baseUrl() {
    return flow.baseUrl();
  }

  @Override
  public SubmitOutcome submit(ApiKey key, GenerationRequest request, String pipelineRequestId) {
    return flow.submit(key, request, pipelineRequestId, create);
  }

  @Override
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId) {
    return flow.query(key, taskId, query);
  }

  @Override
  public QueryOutcome<Boolean> cancel(ApiKey key, String taskId) {
    return flow.failed("cancel", taskId, key, unsupported("cancel"));
  }

  @Override
  public QueryOutcome<TaskPage> list(ApiKey key, TaskListQuery query) {
    return flow.failed("list", null, key, unsupported("list"));
  }

  private static WanError unsupported(String what) {
    return new WanError(
        UNSUPPORTED,
        "MuleRouter offers no " + what + " call for generation tasks",
        false,
        Stage.QUERY,
        0,
        null);
  }

  private static String stripSlashes(String s) {
    String out = s;
    while (out.endsWith("/")) {
      out = out.substring(0, out.length() - 1);
    }
    return out;
  }

  /**
   * Options of a {@link MuleRouterClient}; the base URL is such as {@code
   * https://api.mulerouter.ai}, the vendor path is appended.
   */
  public static final class Builder extends HttpSettingsBuilder<Builder> {
    private String vendorPath = ALIBABA_VENDOR_PATH;

    private Builder() {}

    /** Path before {@code /{model}/generation}; default {@value #ALIBABA_VENDOR_PATH}. */
    public Builder vendorPath(String vendorPath) {
      String p = stripSlashes(Objects.requireNonNull(vendorPath, "vendorPath").trim());
      this.vendorPath = p.startsWith("/") ? p : "/" + p;
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Builds the client; fails when the base URL is missing or not absolute http(s). */
    public MuleRouterClient build() {
      return new MuleRouterClient(this, settings());
    }
  }
}
