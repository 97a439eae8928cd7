package io.wanpipeline.wan.dialect.vtrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.http.HttpSettings;
import io.wanpipeline.wan.http.HttpSettingsBuilder;
import io.wanpipeline.wan.http.ProviderExchange;
import io.wanpipeline.wan.http.ProviderJsonMapper;
import io.wanpipeline.wan.http.SecretRedactor;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vtrix dialect of {@link WanClient} (docs/protocol.md 5.1, 5.5; SEED-4): {@code POST
 * /model/v1/generation} under Vtrix's model id ({@link VtrixModelIds}) in the configured {@link
 * VtrixEnvelope}, {@code GET /model/v1/generation/task/{id}}. The create call answers the task
 * object itself and may already report it completed. A completed task's usage carries Vtrix's own
 * charge ({@code usage.cost}) as {@link io.wanpipeline.wan.TaskUsage#providerCost()} in USD. Vtrix
 * offers no cancel and no list: both answer a non-retryable {@value #UNSUPPORTED} failure.
 *
 * <p>Same rules as the native client: one blocking call per method, per-attempt timeouts, no
 * retries; a 4xx (429 included) or a 503 refuses a create call, a timeout, reset or other 5xx
 * leaves it in doubt. A model Vtrix does not list is refused before any call. Thread-safe.
 */
public final class VtrixClient implements WanClient {

  private static final Logger LOG = LoggerFactory.getLogger(VtrixClient.class);

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

  private final URI baseUrl;
  private final VtrixEnvelope envelope;
  private final VtrixModelIds modelIds;
  private final Duration requestTimeout;
  private final Clock clock;
  private final ProviderExchange exchange;
  private final ObjectMapper mapper = new ProviderJsonMapper();

  private VtrixClient(Builder b, HttpSettings settings) {
    this.baseUrl = settings.baseUrl();
    this.envelope = b.envelope;
    this.modelIds = b.modelIds;
    this.requestTimeout = settings.requestTimeout();
    this.clock = settings.clock();
    this.exchange = new ProviderExchange(settings.httpClient());
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
    return baseUrl;
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
    Optional<String> gatewayModel = modelIds.gatewayId(request.model());
    if (gatewayModel.isEmpty()) {
      String model = request.model() == null ? "" : SecretRedactor.redact(request.model());
      LOG.debug(
          "submit refused requestId={} model={} reason=no Vtrix id", pipelineRequestId, model);
      return new SubmitOutcome.Refused(
          new WanError(
              UNSUPPORTED_MODEL,
              "model '"
                  + model
                  + "' has no Vtrix model id (known: "
                  + String.join(", ", modelIds.ourIds())
                  + "; add one with the dialect option "
                  + VtrixModelIds.OPTION
                  + ")",
              false,
              Stage.SUBMIT,
              0,
              null));
    }
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(VtrixBody.of(request, gatewayModel.get(), envelope, mapper));
    } catch (IOException e) {
      return new SubmitOutcome.Refused(
          new WanError(
              "UNSERIALIZABLE_REQUEST",
              "request could not be written as JSON: " + e.getClass().getSimpleName(),
              false,
              Stage.SUBMIT,
              0,
              null));
    }
    HttpRequest.Builder rb =
        authorized(key, GENERATION_PATH)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (pipelineRequestId != null) {
      rb.header(REQUEST_ID_HEADER, pipelineRequestId);
    }
    ProviderExchange.Result result = exchange.send(rb.build());
    if (!(result instanceof ProviderExchange.Answered answered)) {
      SubmitOutcome outcome = DashScopeErrorClassifier.unansweredSubmit(result);
      LOG.debug(
          "submit unanswered requestId={} model={} keyRef={} outcome={}",
          pipelineRequestId,
          request.model(),
          key.ref(),
          outcome);
      return outcome;
    }
    HttpResponse<byte[]> response = answered.response();
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return accepted(pipelineRequestId, request.model(), key, response);
    }
    ProviderErrorBody error = ProviderErrorBody.parse(response.body(), mapper);
    if (DashScopeErrorClassifier.refusedSubmit(status)) {
      WanError classified = classify(status, error, Stage.SUBMIT, response);
      LOG.debug(
          "submit refused requestId={} model={} keyRef={} status={} code={} retryable={}",
          pipelineRequestId,
          request.model(),
          key.ref(),
          status,
          classified.code(),
          classified.retryable());
      return new SubmitOutcome.Refused(classified);
    }
    return inDoubt(
        pipelineRequestId,
        "HTTP "
            + status
            + (error.code() == null ? "" : " " + error.code())
            + (error.message() == null ? "" : ": " + error.message()));
  }

  private SubmitOutcome accepted(
      String pipelineRequestId, String model, ApiKey key, HttpResponse<byte[]> response) {
    JsonNode root;
    try {
      root = mapper.readTree(response.body());
    } catch (IOException e) {
      return inDoubt(pipelineRequestId, "HTTP " + response.statusCode() + " with unreadable body");
    }
    String taskId = VtrixAnswers.taskId(root);
    if (taskId == null || taskId.isBlank()) {
      ProviderErrorBody error = ProviderErrorBody.parse(response.body(), mapper);
      if (error.hasCode() || (root != null && root.hasNonNull("error"))) {
        // an error in a 2xx answer: no task was created
        return new SubmitOutcome.Refused(classify(400, error, Stage.SUBMIT, response));
      }
      return inDoubt(pipelineRequestId, "HTTP " + response.statusCode() + " without a task id");
    }
    String word = root.path("status").asText(null);
    ProviderStatus status = word == null ? ProviderStatus.PENDING : VtrixAnswers.status(word);
    String providerRequestId = response.headers().firstValue("x-request-id").orElse(null);
    LOG.debug(
        "submit accepted requestId={} model={} keyRef={} taskId={} status={}",
        pipelineRequestId,
        model,
        key.ref(),
        taskId,
        status);
    return new SubmitOutcome.Accepted(taskId, status, providerRequestId);
  }

  private static SubmitOutcome inDoubt(String pipelineRequestId, String reason) {
    String safe = SecretRedactor.redact(reason);
    LOG.debug("submit in doubt requestId={} reason={}", pipelineRequestId, safe);
    return new SubmitOutcome.InDoubt(safe);
  }

  @Override
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId) {
    if (taskId == null || taskId.isBlank()) {
      return failed(
          "query",
          taskId,
          key,
          new WanError("INVALID_TASK_ID", "task id is blank", false, Stage.QUERY, 0, null));
    }
    HttpRequest request =
        authorized(
                key,
                TASK_PATH + URLEncoder.encode(taskId, StandardCharsets.UTF_8).replace("+", "%20"))
            .GET()
            .build();
    ProviderExchange.Result result = exchange.send(request);
    if (!(result instanceof ProviderExchange.Answered answered)) {
      return failed(
          "query", taskId, key, DashScopeErrorClassifier.unansweredQuery(result, "query"));
    }
    HttpResponse<byte[]> response = answered.response();
    int status = response.statusCode();
    JsonNode root = readJson(response.body());
    if (status == 404 && root != null && root.isObject()) {
      // an unknown (or forgotten) task: the same as DashScope's UNKNOWN
      LOG.debug("query taskId={} keyRef={} status=UNKNOWN (404)", taskId, key.ref());
      return new QueryOutcome.Answered<>(
          new TaskSnapshot(
              taskId, ProviderStatus.UNKNOWN, null, null, null, null, null, null, null));
    }
    if (status < 200 || status >= 300) {
      return failed(
          "query",
          taskId,
          key,
          classify(
              status, ProviderErrorBody.parse(response.body(), mapper), Stage.QUERY, response));
    }
    try {
      TaskSnapshot parsed = VtrixAnswers.snapshot(root);
      TaskSnapshot snapshot = parsed.taskId() != null ? parsed : parsed.withTaskId(taskId);
      LOG.debug("query taskId={} keyRef={} status={}", taskId, key.ref(), snapshot.status());
      return new QueryOutcome.Answered<>(snapshot);
    } catch (MalformedResponseException e) {
      return failed(
          "query",
          taskId,
          key,
          DashScopeErrorClassifier.malformed(
              "query answer unreadable: " + e.getMessage(), Stage.QUERY, status));
    }
  }

  @Override
  public QueryOutcome<Boolean> cancel(ApiKey key, String taskId) {
    return failed("cancel", taskId, key, unsupported("cancel"));
  }

  @Override
  public QueryOutcome<TaskPage> list(ApiKey key, TaskListQuery query) {
    return failed("list", null, key, unsupported("list"));
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

  private WanError classify(
      int status, ProviderErrorBody error, Stage stage, HttpResponse<?> response) {
    return DashScopeErrorClassifier.fromHttp(
        status, error.code(), error.message(), stage, ProviderExchange.retryAfter(response, clock));
  }

  private HttpRequest.Builder authorized(ApiKey key, String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(requestTimeout)
        .header("Authorization", "Bearer " + key.secret())
        .header("Accept", "application/json");
  }

  private JsonNode readJson(byte[] body) {
    if (body == null || body.length == 0) {
      return mapper.createObjectNode();
    }
    try {
      return mapper.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static <T> QueryOutcome<T> failed(String what, String taskId, ApiKey key, WanError e) {
    LOG.debug(
        "{} failed taskId={} keyRef={} code={} status={} retryable={}",
        what,
        taskId,
        key.ref(),
        e.code(),
        e.httpStatus(),
        e.retryable());
    return new QueryOutcome.Failed<>(e);
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
