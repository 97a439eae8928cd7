package io.wanpipeline.wan.dialect.vtrix;

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
import io.wanpipeline.wan.dialect.UnknownTaskOn404;
import io.wanpipeline.wan.http.HttpSettings;
import io.wanpipeline.wan.http.HttpSettingsBuilder;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * The Vtrix dialect of {@link WanClient} (docs/protocol.md 5.1, 5.5; SEED-4): {@code POST
 * /model/v1/generation} under Vtrix's model id ({@link VtrixModelIds}) in the configured {@link
 * VtrixEnvelope}, {@code GET /model/v1/generation/task/{id}}. The create call answers the task
 * object itself and may already report it completed. A completed task's usage carries Vtrix's own
 * charge ({@code usage.cost}) as {@link io.wanpipeline.wan.TaskUsage#providerCost()} in USD. Vtrix
 * offers no cancel and no list: both answer a non-retryable {@value #UNSUPPORTED} failure.
 *
 * <p>The calls go through the one {@link TaskCallFlow} (same rules as the native client: one
 * blocking call per method, per-attempt timeouts, no retries; a 4xx (429 included) or a 503 refuses
 * a create call, a timeout, reset or other 5xx leaves it in doubt) with Vtrix's strategies: {@link
 * VtrixCreateCall} (a model Vtrix does not list is refused before any call), {@link
 * VtrixTaskQuery}, and {@link UnknownTaskOn404} for its errors. Thread-safe.
 */
public final class VtrixClient implements WanClient {

  /** The dialect name ({@code provider.<name>.dialect}). */
  public static final String DIALECT = "vtrix";

  /** Client code of the calls Vtrix does not offer (cancel, list). */
  public static final String UNSUPPORTED = "UNSUPPORTED_OPERATION";

  /** Client code of a model without a Vtrix id. */
  public static final String UNSUPPORTED_MODEL = "UNSUPPORTED_MODEL";

  /** Create path below the base URL. */
  public static final String GENERATION_PATH = "/model/v1/generation";

  /** Query path below the base URL; the task id is appended. */
  public static final String TASK_PATH = GENERATION_PATH + "/task/";

  private final VtrixEnvelope envelope;
  private final VtrixModelIds modelIds;
  private final TaskCallFlow flow;
  private final VtrixCreateCall create;
  private final VtrixTaskQuery query = new VtrixTaskQuery();

  private VtrixClient(Builder b, HttpSettings settings) {
    this.envelope = b.envelope;
    this.modelIds = b.modelIds;
    this.flow = new TaskCallFlow(settings, new UnknownTaskOn404(), VtrixClient.class);
    this.create = new VtrixCreateCall(envelope, modelIds);
  }

  /** Starts a builder; only the base URL is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A client of the gateway at {@code baseUrl} with an account's dialect options (see {@link
   * Builder#options}) and the default timeouts.
   */
  public static VtrixClient of(URI baseUrl, Map<String, String> options, Clock clock) {
    return builder().baseUrl(baseUrl).options(options).clock(clock).build();
  }

  /** The base URL, for example {@code https://cloud.vtrix.ai}. */
  public URI baseUrl() {
    return flow.baseUrl();
  }

  /** The envelope create bodies are sent in. */
  public VtrixEnvelope envelope() {
    return envelope;
  }

  /** The model id table in use. */
  public VtrixModelIds modelIds() {
    return modelIds;
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
        "Vtrix offers no " + what + " call for generation tasks",
        false,
        Stage.QUERY,
        0,
        null);
  }

  /**
   * Options of a {@link VtrixClient}; the base URL is such as {@code https://cloud.vtrix.ai},
   * {@code /model/v1/...} is appended.
   */
  public static final class Builder extends HttpSettingsBuilder<Builder> {
    private VtrixEnvelope envelope = VtrixEnvelope.OBJECT;
    private VtrixModelIds modelIds = VtrixModelIds.standard();

    private Builder() {}

    /** The create body's envelope; default {@link VtrixEnvelope#OBJECT}. */
    public Builder envelope(VtrixEnvelope envelope) {
      this.envelope = Objects.requireNonNull(envelope, "envelope");
      return this;
    }

    /** The model id table; default {@link VtrixModelIds#standard()}. */
    public Builder modelIds(VtrixModelIds modelIds) {
      this.modelIds = Objects.requireNonNull(modelIds, "modelIds");
      return this;
    }

    /**
     * Applies an account's dialect options: {@value VtrixEnvelope#OPTION} ({@code object} or {@code
     * params-array}) and {@value VtrixModelIds#OPTION} ({@code ours=theirs,...}); other options are
     * ignored.
     *
     * @throws IllegalArgumentException naming the option whose value is not understood
     */
    public Builder options(Map<String, String> options) {
      String e = options.get(VtrixEnvelope.OPTION);
      if (e != null && !e.isBlank()) {
        envelope(VtrixEnvelope.parse(e));
      }
      modelIds(VtrixModelIds.of(options));
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Builds the client; fails when the base URL is missing or not absolute http(s). */
    public VtrixClient build() {
      return new VtrixClient(this, settings());
    }
  }
}
