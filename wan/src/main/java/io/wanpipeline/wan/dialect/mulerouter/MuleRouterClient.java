package io.wanpipeline.wan.dialect.mulerouter;

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
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Same rules as the native client: one blocking call per method, per-attempt timeouts, no
 * retries; a 4xx (429 included) or a 503 refuses a create call, a timeout, reset or other 5xx
 * leaves it in doubt. Thread-safe.
 */
public final class MuleRouterClient implements WanClient {

  private static final Logger LOG = LoggerFactory.getLogger(MuleRouterClient.class);

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

  private final URI baseUrl;
  private final String vendorPath;
  private final Duration requestTimeout;
  private final Clock clock;
  private final ProviderExchange exchange;
  private final ObjectMapper mapper = new ProviderJsonMapper();

  private MuleRouterClient(Builder b, HttpSettings settings) {
    this.baseUrl = settings.baseUrl();
    this.vendorPath = b.vendorPath;
    this.requestTimeout = settings.requestTimeout();
    this.clock = settings.clock();
    this.exchange = new ProviderExchange(settings.httpClient());
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
    return baseUrl;
  }

  @Override
  public SubmitOutcome submit(ApiKey key, GenerationRequest request, String pipelineRequestId) {
    String model = request.model();
    if (!MuleRouterTaskId.segment(model)) {
      return new SubmitOutcome.Refused(
          new WanError(
              INVALID_MODEL,
              "model '"
                  + (model == null ? "" : SecretRedactor.redact(model))
                  + "' cannot name a MuleRouter path",
              false,
              Stage.SUBMIT,
              0,
              null));
    }
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(MuleRouterBody.of(request, mapper));
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
        authorized(key, generationPath(model))
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
          model,
          key.ref(),
          outcome);
      return outcome;
    }
    HttpResponse<byte[]> response = answered.response();
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return accepted(pipelineRequestId, model, key, response);
    }
    MuleRouterAnswers.ErrorInfo error = MuleRouterAnswers.error(response.body(), mapper);
    if (DashScopeErrorClassifier.refusedSubmit(status)) {
      WanError classified = classify(status, error, Stage.SUBMIT, response);
      LOG.debug(
          "submit refused requestId={} model={} keyRef={} status={} code={} retryable={}",
          pipelineRequestId,
          model,
          key.ref(),
          status,
          classified.code(),
          classified.retryable());
      return new SubmitOutcome.Refused(classified);
    }
    return inDoubt(
        pipelineRequestId, "HTTP " + status + (error.text() == null ? "" : ": " + error.text()));
  }

  private SubmitOutcome accepted(
      String pipelineRequestId, String model, ApiKey key, HttpResponse<byte[]> response) {
    JsonNode root;
    try {
      root = mapper.readTree(response.body());
    } catch (IOException e) {
      return inDoubt(pipelineRequestId, "HTTP " + response.statusCode() + " with unreadable body");
    }
    String gatewayId = MuleRouterAnswers.gatewayTaskId(root);
    if (gatewayId == null || !MuleRouterTaskId.segment(gatewayId)) {
      MuleRouterAnswers.ErrorInfo error = MuleRouterAnswers.error(response.body(), mapper);
      if (error.code() != null || error.text() != null) {
        // an error object in a 2xx answer: no task was created
        return new SubmitOutcome.Refused(classify(400, error, Stage.SUBMIT, response));
      }
      return inDoubt(pipelineRequestId, "HTTP " + response.statusCode() + " without task_info.id");
    }
    String taskId = new MuleRouterTaskId(model, gatewayId).toString();
    String word = root.path("task_info").path("status").asText(null);
    ProviderStatus status = word == null ? ProviderStatus.PENDING : MuleRouterAnswers.status(word);
    String providerRequestId =
        response
            .headers()
            .firstValue("x-request-id")
            .or(() -> response.headers().firstValue("traceparent"))
            .orElse(null);
    LOG.debug(
        "submit accepted requestId={} model={} keyRef={} taskId={}",
        pipelineRequestId,
        model,
        key.ref(),
        taskId);
    return new SubmitOutcome.Accepted(taskId, status, providerRequestId);
  }

  private static SubmitOutcome inDoubt(String pipelineRequestId, String reason) {
    String safe = SecretRedactor.redact(reason);
    LOG.debug("submit in doubt requestId={} reason={}", pipelineRequestId, safe);
    return new SubmitOutcome.InDoubt(safe);
  }

  @Override
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId) {
    Optional<MuleRouterTaskId> id = MuleRouterTaskId.parse(taskId);
    if (id.isEmpty()) {
      return failed(
          "query",
          taskId,
          key,
          new WanError(
              INVALID_TASK_ID,
              "task id '"
                  + SecretRedactor.redact(String.valueOf(taskId))
                  + "' is not <model>/<id>: MuleRouter tasks are polled under their model's path",
              false,
              Stage.QUERY,
              0,
              null));
    }
    HttpRequest request =
        authorized(
                key,
                generationPath(id.get().model())
                    + "/"
                    + URLEncoder.encode(id.get().id(), StandardCharsets.UTF_8).replace("+", "%20"))
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
      // MuleRouter answers an unknown task id with 404: the same as DashScope's UNKNOWN
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
              status, MuleRouterAnswers.error(response.body(), mapper), Stage.QUERY, response));
    }
    try {
      TaskSnapshot snapshot = MuleRouterAnswers.snapshot(root, taskId);
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
        "MuleRouter offers no " + what + " call for generation tasks",
        false,
        Stage.QUERY,
        0,
        null);
  }

  private WanError classify(
      int status, MuleRouterAnswers.ErrorInfo error, Stage stage, HttpResponse<?> response) {
    return DashScopeErrorClassifier.fromHttp(
        status, error.code(), error.text(), stage, ProviderExchange.retryAfter(response, clock));
  }

  private String generationPath(String model) {
    return vendorPath
        + "/"
        + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20")
        + "/generation";
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
