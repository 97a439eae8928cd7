package io.wanpipeline.wan.dashscope;

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
import io.wanpipeline.wan.catalogue.Endpoint;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.http.HttpSettings;
import io.wanpipeline.wan.http.HttpSettingsBuilder;
import io.wanpipeline.wan.http.ProviderExchange;
import io.wanpipeline.wan.http.ProviderJsonMapper;
import io.wanpipeline.wan.http.SecretRedactor;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native DashScope dialect of {@link WanClient} (docs/protocol.md 1): one blocking HTTP call
 * per method over {@link HttpClient#send}, per-attempt timeouts, no retries, every failure
 * classified once into a {@link WanError}. Thread-safe.
 *
 * <p>Gateways that relay the native protocol reuse it with a {@linkplain Builder#pathPrefix path
 * prefix}, their own {@linkplain Builder#endpoints create-path choice} and {@linkplain
 * Builder#gatewayErrors error answers of their own}.
 *
 * <p>Over 400 lines: one final client class per remote API (house style 13), each endpoint beside
 * the parsing of its answer.
 */
public final class DashScopeClient implements WanClient {

  private static final Logger LOG = LoggerFactory.getLogger(DashScopeClient.class);

  /** Header that makes a create call asynchronous; without it DashScope refuses the call. */
  public static final String ASYNC_HEADER = "X-DashScope-Async";

  private static final String TASKS_PATH = "/api/v1/tasks";

  private final URI baseUrl;
  private final String pathPrefix;
  private final Function<String, Endpoint> endpoints;
  private final GatewayErrors gatewayErrors;
  private final Duration requestTimeout;
  private final Clock clock;
  private final HttpClient http;
  private final ProviderExchange exchange;
  private final ObjectMapper mapper;

  private DashScopeClient(Builder b, HttpSettings settings) {
    this.baseUrl = settings.baseUrl();
    this.pathPrefix = b.pathPrefix;
    this.endpoints = b.endpoints;
    this.gatewayErrors = b.gatewayErrors;
    this.requestTimeout = settings.requestTimeout();
    this.clock = settings.clock();
    this.http = settings.httpClient();
    this.exchange = new ProviderExchange(http);
    this.mapper = new ProviderJsonMapper();
  }

  /** Starts a builder; only the base URL is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The create path by model name when no catalogue is at hand: {@code kf2v}, {@code s2v} and
   * {@code animate} models go to image2video, everything else to video-generation.
   */
  public static Endpoint endpointByName(String model) {
    String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
    if (m.contains("kf2v") || m.contains("s2v") || m.contains("animate")) {
      return Endpoint.IMAGE2VIDEO;
    }
    return Endpoint.VIDEO_GENERATION;
  }

  /**
   * The create path of each model as the catalogue has it; models it does not know fall back to
   * {@link #endpointByName(String)}.
   */
  public static Function<String, Endpoint> endpointsOf(ModelCatalogue catalogue) {
    Objects.requireNonNull(catalogue, "catalogue");
    return model ->
        catalogue.find(model).map(ModelSpec::endpoint).orElseGet(() -> endpointByName(model));
  }

  /** The base URL every {@code /api/v1/...} path is appended to (after the path prefix). */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The gateway's prefix before {@code /api/v1} (for example {@code /alibailian}), or empty. */
  public String pathPrefix() {
    return pathPrefix;
  }

  @Override
  public SubmitOutcome submit(ApiKey key, GenerationRequest request, String pipelineRequestId) {
    Endpoint endpoint = endpoints.apply(request.model());
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(CreateTaskBody.of(request, mapper));
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
        HttpRequest.newBuilder(URI.create(baseUrl + pathPrefix + endpoint.path()))
            .timeout(requestTimeout)
            .header("Authorization", "Bearer " + key.secret())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header(ASYNC_HEADER, "enable")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (pipelineRequestId != null) {
      rb.header(REQUEST_ID_HEADER, pipelineRequestId);
    }
    ProviderExchange.Result sent = exchange.send(rb.build());
    if (!(sent instanceof ProviderExchange.Answered answered)) {
      SubmitOutcome outcome = DashScopeErrorClassifier.unansweredSubmit(sent);
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
      return accepted(pipelineRequestId, request.model(), response);
    }
    ProviderErrorBody error = gatewayErrors.read(response.body(), mapper);
    Optional<WanError> own =
        gatewayErrors.refusedBeforeDispatch(
            status, error, response.body(), ProviderExchange.retryAfter(response, clock));
    if (own.isPresent()) {
      LOG.debug(
          "submit refused by the gateway requestId={} model={} keyRef={} status={} code={}"
              + " retryable={}",
          pipelineRequestId,
          request.model(),
          key.ref(),
          status,
          own.get().code(),
          own.get().retryable());
      return new SubmitOutcome.Refused(own.get());
    }
    if (DashScopeErrorClassifier.refusedSubmit(status)) {
      WanError classified =
          DashScopeErrorClassifier.fromHttp(
              status,
              error.code(),
              error.message(),
              Stage.SUBMIT,
              ProviderExchange.retryAfter(response, clock));
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
      String pipelineRequestId, String model, HttpResponse<byte[]> response) {
    JsonNode root;
    try {
      root = mapper.readTree(response.body());
    } catch (IOException e) {
      return inDoubt(pipelineRequestId, "HTTP " + response.statusCode() + " with unreadable body");
    }
    JsonNode output = root == null ? null : root.get("output");
    String taskId = output == null ? null : textOrNull(output.get("task_id"));
    if (taskId == null || taskId.isBlank()) {
      ProviderErrorBody error = gatewayErrors.read(response.body(), mapper);
      if (error.hasCode()) {
        // Some gateways answer 200 with an error object: no task was created.
        return new SubmitOutcome.Refused(
            DashScopeErrorClassifier.fromHttp(
                400,
                error.code(),
                error.message(),
                Stage.SUBMIT,
                ProviderExchange.retryAfter(response, clock)));
      }
      return inDoubt(pipelineRequestId, "HTTP " + response.statusCode() + " without a task_id");
    }
    String statusText = textOrNull(output.get("task_status"));
    ProviderStatus status =
        statusText == null ? ProviderStatus.PENDING : ProviderStatus.fromNative(statusText);
    String providerRequestId = textOrNull(root.get("request_id"));
    LOG.debug(
        "submit accepted requestId={} model={} taskId={} providerRequestId={}",
        pipelineRequestId,
        model,
        taskId,
        providerRequestId);
    return new SubmitOutcome.Accepted(taskId, status, providerRequestId);
  }

  private static SubmitOutcome inDoubt(String pipelineRequestId, String reason) {
    String safe = SecretRedactor.redact(reason);
    LOG.debug("submit in doubt requestId={} reason={}", pipelineRequestId, safe);
    return new SubmitOutcome.InDoubt(safe);
  }

  @Override
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId) {
    HttpRequest request =
        authorized(key, pathPrefix + TASKS_PATH + "/" + encodePath(taskId)).GET().build();
    return call(
        request,
        "query",
        taskId,
        key,
        true,
        root -> {
          TaskSnapshot snapshot = TaskResponseParser.snapshot(root);
          LOG.debug("query taskId={} keyRef={} status={}", taskId, key.ref(), snapshot.status());
          return snapshot;
        },
        (status, error) -> {
          if (!gatewayErrors.unknownTask(status, error)) {
            return Optional.empty();
          }
          LOG.debug(
              "query taskId={} keyRef={} unknown to the gateway status={} code={}",
              taskId,
              key.ref(),
              status,
              error.code());
          return Optional.of(
              new TaskSnapshot(
                  taskId, ProviderStatus.UNKNOWN, null, null, null, null, null, null, null));
        });
  }

  /**
   * GETs {@code pathAndQuery} below the base URL, outside the path prefix (a gateway's own routes),
   * with the key's Authorization header, classifying every failure like {@link #query}.
   *
   * @param key the key the resource belongs to
   * @param pathAndQuery path (already encoded) and optional query string, starting with {@code /}
   * @param what the call's name in logs and error messages, for example {@code query}
   * @param taskId the task the call is about (for logs), or null
   * @param reader reads the JSON answer of a 2xx status
   */
  public <T> QueryOutcome<T> get(
      ApiKey key, String pathAndQuery, String what, String taskId, AnswerReader<T> reader) {
    if (!pathAndQuery.startsWith("/")) {
      throw new IllegalArgumentException("pathAndQuery must start with /");
    }
    return call(
        authorized(key, pathAndQuery).GET().build(),
        what,
        taskId,
        key,
        false,
        reader,
        DashScopeClient::noAnswer);
  }

  @Override
  public QueryOutcome<Boolean> cancel(ApiKey key, String taskId) {
    HttpRequest request =
        authorized(key, pathPrefix + TASKS_PATH + "/" + encodePath(taskId) + "/cancel")
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return call(
        request, "cancel", taskId, key, true, root -> Boolean.TRUE, DashScopeClient::noAnswer);
  }

  @Override
  public QueryOutcome<TaskPage> list(ApiKey key, TaskListQuery query) {
    Map<String, String> params = new LinkedHashMap<>();
    if (query.start() != null) {
      params.put("start_time", ChinaTime.formatListFilter(query.start()));
    }
    if (query.end() != null) {
      params.put("end_time", ChinaTime.formatListFilter(query.end()));
    }
    if (query.model() != null) {
      params.put("model_name", query.model());
    }
    if (query.status() != null) {
      params.put("status", query.status().name());
    }
    if (query.pageNo() > 0) {
      params.put("page_no", Integer.toString(query.pageNo()));
    }
    if (query.pageSize() > 0) {
      params.put("page_size", Integer.toString(query.pageSize()));
    }
    String qs =
        params.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    HttpRequest request =
        authorized(key, pathPrefix + TASKS_PATH + (qs.isEmpty() ? "" : "?" + qs)).GET().build();
    return call(
        request, "list", null, key, true, TaskResponseParser::page, DashScopeClient::noAnswer);
  }

  private HttpRequest.Builder authorized(ApiKey key, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
        .timeout(requestTimeout)
        .header("Authorization", "Bearer " + key.secret())
        .header("Accept", "application/json");
  }

  /** Reads the JSON answer of a query-type call. */
  @FunctionalInterface
  public interface AnswerReader<T> {
    /** The value of {@code root}; throws when it is not the documented JSON. */
    T read(JsonNode root) throws MalformedResponseException;
  }

  /**
   * Reads a non-2xx answer as an answer after all (status, error), or empty when it is a failure.
   */
  @FunctionalInterface
  private interface ErrorAnswer<T> {
    Optional<T> answer(int status, ProviderErrorBody error);
  }

  private static <T> Optional<T> noAnswer(int status, ProviderErrorBody error) {
    return Optional.empty();
  }

  /**
   * @param nativeAnswer whether the answer is native JSON, where a 2xx object with a top-level
   *     {@code code} and no {@code output} is an error
   * @param errorAnswer reads some non-2xx answers as answers
   */
  private <T> QueryOutcome<T> call(
      HttpRequest request,
      String what,
      String taskId,
      ApiKey key,
      boolean nativeAnswer,
      AnswerReader<T> reader,
      ErrorAnswer<T> errorAnswer) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      return failed(
          what,
          taskId,
          key,
          DashScopeErrorClassifier.transport(
              DashScopeErrorClassifier.TIMEOUT,
              what + " got no answer in time: " + e.getClass().getSimpleName(),
              Stage.QUERY));
    } catch (IOException e) {
      return failed(
          what,
          taskId,
          key,
          DashScopeErrorClassifier.transport(
              DashScopeErrorClassifier.NETWORK,
              what
                  + " connection failed: "
                  + e.getClass().getSimpleName()
                  + safeMessage(e.getMessage()),
              Stage.QUERY));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(
          what,
          taskId,
          key,
          DashScopeErrorClassifier.transport(
              DashScopeErrorClassifier.NETWORK, what + " interrupted", Stage.QUERY));
    }
    int status = response.statusCode();
    if (status < 200 || status >= 300) {
      ProviderErrorBody error = gatewayErrors.read(response.body(), mapper);
      Optional<T> answered = errorAnswer.answer(status, error);
      if (answered.isPresent()) {
        return new QueryOutcome.Answered<>(answered.get());
      }
      return failed(
          what,
          taskId,
          key,
          DashScopeErrorClassifier.fromHttp(
              status,
              error.code(),
              error.message(),
              Stage.QUERY,
              ProviderExchange.retryAfter(response, clock)));
    }
    JsonNode root;
    try {
      byte[] body = response.body();
      root = body == null || body.length == 0 ? mapper.createObjectNode() : mapper.readTree(body);
    } catch (IOException e) {
      return failed(
          what,
          taskId,
          key,
          DashScopeErrorClassifier.malformed(
              what + " answer is not JSON (HTTP " + status + ")", Stage.QUERY, status));
    }
    if (nativeAnswer
        && root != null
        && root.isObject()
        && root.hasNonNull("code")
        && !root.has("output")) {
      return failed(what, taskId, key, providerError(status, response, Stage.QUERY));
    }
    try {
      return new QueryOutcome.Answered<>(reader.read(root));
    } catch (MalformedResponseException e) {
      return failed(
          what,
          taskId,
          key,
          DashScopeErrorClassifier.malformed(
              what + " answer unreadable: " + e.getMessage(), Stage.QUERY, status));
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
   * The provider's error object in {@code response}, classified as if answered with {@code status}.
   */
  private WanError providerError(int status, HttpResponse<byte[]> response, Stage stage) {
    ProviderErrorBody error = gatewayErrors.read(response.body(), mapper);
    return DashScopeErrorClassifier.fromHttp(
        status, error.code(), error.message(), stage, ProviderExchange.retryAfter(response, clock));
  }

  private static String encodePath(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String safeMessage(String message) {
    return message == null ? "" : " (" + SecretRedactor.redact(message) + ")";
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
  }

  /**
   * Options of a {@link DashScopeClient}; the base URL is such as {@code
   * https://dashscope.aliyuncs.com}, {@code /api/v1/...} is appended.
   */
  public static final class Builder extends HttpSettingsBuilder<Builder> {
    private String pathPrefix = "";
    private Function<String, Endpoint> endpoints = endpointsOf(ModelCatalogue.standard());
    private GatewayErrors gatewayErrors = GatewayErrors.NATIVE;

    private Builder() {}

    /**
     * A gateway's prefix before every {@code /api/v1/...} path, such as {@code /alibailian}; empty
     * (default) for DashScope itself.
     */
    public Builder pathPrefix(String pathPrefix) {
      Objects.requireNonNull(pathPrefix, "pathPrefix");
      if (!pathPrefix.isEmpty() && (!pathPrefix.startsWith("/") || pathPrefix.endsWith("/"))) {
        throw new IllegalArgumentException("pathPrefix must be empty or /name without a final /");
      }
      this.pathPrefix = pathPrefix;
      return this;
    }

    /** A gateway's own error answers; default {@link GatewayErrors#NATIVE}. */
    public Builder gatewayErrors(GatewayErrors gatewayErrors) {
      this.gatewayErrors = Objects.requireNonNull(gatewayErrors, "gatewayErrors");
      return this;
    }

    /** Picks the create path per model; default {@link #endpointsOf} the standard catalogue. */
    public Builder endpoints(Function<String, Endpoint> endpoints) {
      this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Builds the client; fails when the base URL is missing or not absolute http(s). */
    public DashScopeClient build() {
      return new DashScopeClient(this, settings());
    }
  }
}
