package io.wanpipeline.wan.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.dashscope.GatewayErrors;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.http.HttpSettings;
import io.wanpipeline.wan.http.ProviderExchange;
import io.wanpipeline.wan.http.ProviderJsonMapper;
import io.wanpipeline.wan.http.SecretRedactor;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP task-call flow of every dialect (docs/protocol.md 1.8, 5.1): a create call is sent,
 * its unanswered case classified once (not sent: refused, retryable; sent without an answer: in
 * doubt), a 2xx answer read as accepted, a gateway's own refusal or a 4xx (429 included) or a 503
 * refused, any other answer in doubt; a query-type call is sent, its unanswered case classified
 * ({@code TIMEOUT}, {@code NETWORK}), an unknown task read as UNKNOWN, any other error status
 * classified, and the answer read or reported {@code MALFORMED_RESPONSE}. Every outcome is logged
 * here, once, at DEBUG, with its context and never a key. What differs per dialect comes in as
 * strategies: {@link CreateCall} (paths, bodies, accepted answers), {@link TaskQuery} (query path
 * and answer) and {@link GatewayErrors} (error bodies, refusals before dispatch, unknown tasks).
 * Thread-safe.
 */
public final class TaskCallFlow {

  /** Reads the JSON of a 2xx answer to a query-type call. */
  @FunctionalInterface
  public interface AnswerReader<T> {
    /** The value of {@code root}; throws when it is not the documented JSON. */
    T read(JsonNode root) throws MalformedResponseException;
  }

  /**
   * The rules of one query-type call besides reading its answer.
   *
   * @param <T> the answer's type
   */
  public interface AnswerRules<T> {
    /** Whether a 2xx answer is in fact an error object; by default never. */
    default boolean errorIn(JsonNode root) {
      return false;
    }

    /**
     * A non-2xx answer that is an answer after all (an unknown task); empty when it is a failure.
     */
    default Optional<T> answerOf(int status, ProviderErrorBody error, byte[] body) {
      return Optional.empty();
    }
  }

  private static final AnswerRules<Object> PLAIN = new AnswerRules<>() {};

  private final URI baseUrl;
  private final Duration requestTimeout;
  private final java.time.Clock clock;
  private final ProviderExchange exchange;
  private final GatewayErrors errors;
  private final Logger log;
  private final ObjectMapper mapper = new ProviderJsonMapper();

  /**
   * @param settings base URL, timeouts, clock and HTTP client
   * @param errors the dialect's own error answers ({@link GatewayErrors#NATIVE} for none)
   * @param client the client class the flow logs under
   */
  public TaskCallFlow(
      HttpSettings settings, GatewayErrors errors, Class<? extends WanClient> client) {
    this.baseUrl = settings.baseUrl();
    this.requestTimeout = settings.requestTimeout();
    this.clock = settings.clock();
    this.exchange = new ProviderExchange(settings.httpClient());
    this.errors = Objects.requireNonNull(errors, "errors");
    this.log = LoggerFactory.getLogger(client);
  }

  /** The base URL every path is appended to. */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The mapper the flow reads and writes JSON with. */
  public ObjectMapper mapper() {
    return mapper;
  }

  /** {@code segment} encoded for a URL path ({@code %20} for a space). */
  public static String encodePath(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A request to {@code pathAndQuery} below the base URL with the key and the timeout. */
  public HttpRequest.Builder authorized(ApiKey key, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
        .timeout(requestTimeout)
        .header("Authorization", "Bearer " + key.secret())
        .header("Accept", "application/json");
  }

  /** Creates a task as {@code create} says; never throws, never retries. */
  public SubmitOutcome submit(
      ApiKey key, GenerationRequest request, String pipelineRequestId, CreateCall create) {
    Optional<WanError> refused = create.refuse(request);
    if (refused.isPresent()) {
      log.debug(
          "submit refused before sending requestId={} model={} code={}",
          pipelineRequestId,
          safe(request.model()),
          refused.get().code());
      return new SubmitOutcome.Refused(refused.get());
    }
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(create.body(request, mapper));
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
        authorized(key, create.path(request))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    create.headers().forEach(rb::header);
    if (pipelineRequestId != null) {
      rb.header(WanClient.REQUEST_ID_HEADER, pipelineRequestId);
    }
    ProviderExchange.Result sent = exchange.send(rb.build());
    if (!(sent instanceof ProviderExchange.Answered answered)) {
      SubmitOutcome outcome = DashScopeErrorClassifier.unansweredSubmit(sent);
      log.debug(
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
      return accepted(key, request, pipelineRequestId, create, response);
    }
    ProviderErrorBody error = errors.read(response.body(), mapper);
    Duration retryAfter = ProviderExchange.retryAfter(response, clock);
    Optional<WanError> own =
        errors.refusedBeforeDispatch(status, error, response.body(), retryAfter);
    if (own.isPresent()) {
      return refused("submit refused by the gateway", key, request, pipelineRequestId, own.get());
    }
    if (DashScopeErrorClassifier.refusedSubmit(status)) {
      WanError classified =
          DashScopeErrorClassifier.fromHttp(
              status, error.code(), error.message(), Stage.SUBMIT, retryAfter);
      return refused("submit refused", key, request, pipelineRequestId, classified);
    }
    return inDoubt(
        pipelineRequestId,
        "HTTP "
            + status
            + (error.code() == null ? "" : " " + error.code())
            + (error.message() == null ? "" : ": " + error.message()));
  }

  private SubmitOutcome accepted(
      ApiKey key,
      GenerationRequest request,
      String pipelineRequestId,
      CreateCall create,
      HttpResponse<byte[]> response) {
    JsonNode root;
    try {
      root = mapper.readTree(response.body());
    } catch (IOException e) {
      return inDoubt(pipelineRequestId, "HTTP " + response.statusCode() + " with unreadable body");
    }
    Optional<SubmitOutcome.Accepted> accepted = create.accepted(root, request, response);
    if (accepted.isEmpty()) {
      ProviderErrorBody error = errors.read(response.body(), mapper);
      if (create.refusedIn(root, error)) {
        // an error in a 2xx answer: no task was created
        WanError classified =
            DashScopeErrorClassifier.fromHttp(
                400,
                error.code(),
                error.message(),
                Stage.SUBMIT,
                ProviderExchange.retryAfter(response, clock));
        return refused(
            "submit refused in a 2xx answer", key, request, pipelineRequestId, classified);
      }
      return inDoubt(pipelineRequestId, "HTTP " + response.statusCode() + " without a task id");
    }
    SubmitOutcome.Accepted a = accepted.get();
    log.debug(
        "submit accepted requestId={} model={} keyRef={} taskId={} status={} providerRequestId={}",
        pipelineRequestId,
        request.model(),
        key.ref(),
        a.taskId(),
        a.status(),
        a.providerRequestId());
    return a;
  }

  private SubmitOutcome refused(
      String what, ApiKey key, GenerationRequest request, String pipelineRequestId, WanError e) {
    log.debug(
        "{} requestId={} model={} keyRef={} status={} code={} retryable={}",
        what,
        pipelineRequestId,
        request.model(),
        key.ref(),
        e.httpStatus(),
        e.code(),
        e.retryable());
    return new SubmitOutcome.Refused(e);
  }

  private SubmitOutcome inDoubt(String pipelineRequestId, String reason) {
    String safe = SecretRedactor.redact(reason);
    log.debug("submit in doubt requestId={} reason={}", pipelineRequestId, safe);
    return new SubmitOutcome.InDoubt(safe);
  }

  /**
   * Queries one task as {@code query} says: a task the dialect's errors call unknown is answered
   * UNKNOWN.
   */
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId, TaskQuery query) {
    Optional<WanError> refused = query.refuse(taskId);
    if (refused.isPresent()) {
      return failed("query", taskId, key, refused.get());
    }
    QueryOutcome<TaskSnapshot> outcome =
        call(
            key,
            "query",
            taskId,
            authorized(key, query.path(taskId)).GET().build(),
            root -> query.snapshot(root, taskId),
            new AnswerRules<>() {
              @Override
              public boolean errorIn(JsonNode root) {
                return query.errorIn(root);
              }

              @Override
              public Optional<TaskSnapshot> answerOf(
                  int status, ProviderErrorBody error, byte[] body) {
                if (!errors.unknownTask(status, error, body)) {
                  return Optional.empty();
                }
                log.debug(
                    "query taskId={} keyRef={} unknown to the provider status={} code={}",
                    taskId,
                    key.ref(),
                    status,
                    error.code());
                return Optional.of(
                    new TaskSnapshot(
                        taskId, ProviderStatus.UNKNOWN, null, null, null, null, null, null, null));
              }
            });
    if (outcome instanceof QueryOutcome.Answered<TaskSnapshot> a) {
      log.debug("query taskId={} keyRef={} status={}", taskId, key.ref(), a.value().status());
    }
    return outcome;
  }

  /** A query-type call whose answer needs no rules beyond {@code reader}. */
  @SuppressWarnings("unchecked")
  public <T> QueryOutcome<T> call(
      ApiKey key, String what, String taskId, HttpRequest request, AnswerReader<T> reader) {
    return call(key, what, taskId, request, reader, (AnswerRules<T>) PLAIN);
  }

  /**
   * One query-type call (query, cancel, list, a gateway's own route): every failure classified at
   * stage {@link Stage#QUERY}.
   *
   * @param what the call's name in logs and error messages, for example {@code query}
   * @param taskId the task the call is about (for logs), or null
   */
  public <T> QueryOutcome<T> call(
      ApiKey key,
      String what,
      String taskId,
      HttpRequest request,
      AnswerReader<T> reader,
      AnswerRules<T> rules) {
    ProviderExchange.Result sent = exchange.send(request);
    if (!(sent instanceof ProviderExchange.Answered answered)) {
      return failed(what, taskId, key, DashScopeErrorClassifier.unansweredQuery(sent, what));
    }
    HttpResponse<byte[]> response = answered.response();
    int status = response.statusCode();
    if (status < 200 || status >= 300) {
      ProviderErrorBody error = errors.read(response.body(), mapper);
      Optional<T> answer = rules.answerOf(status, error, response.body());
      if (answer.isPresent()) {
        return new QueryOutcome.Answered<>(answer.get());
      }
      return failed(what, taskId, key, classified(status, error, response));
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
    if (root != null && rules.errorIn(root)) {
      return failed(
          what, taskId, key, classified(status, errors.read(response.body(), mapper), response));
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

  private WanError classified(int status, ProviderErrorBody error, HttpResponse<byte[]> response) {
    return DashScopeErrorClassifier.fromHttp(
        status,
        error.code(),
        error.message(),
        Stage.QUERY,
        ProviderExchange.retryAfter(response, clock));
  }

  /** The failed outcome of a call, logged once; also for calls a dialect does not offer. */
  public <T> QueryOutcome<T> failed(String what, String taskId, ApiKey key, WanError e) {
    log.debug(
        "{} failed taskId={} keyRef={} code={} status={} retryable={}",
        what,
        taskId,
        key.ref(),
        e.code(),
        e.httpStatus(),
        e.retryable());
    return new QueryOutcome.Failed<>(e);
  }

  private static String safe(String text) {
    return text == null ? "" : SecretRedactor.redact(text);
  }
}
