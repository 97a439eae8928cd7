package io.wanpipeline.wan.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.dialect.TaskCallFlow;
import io.wanpipeline.wan.http.HttpSettings;
import io.wanpipeline.wan.http.HttpSettingsBuilder;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The native DashScope dialect of {@link WanClient} (docs/protocol.md 1): one blocking HTTP call
 * per method over {@link HttpClient#send}, per-attempt timeouts, no retries, every failure
 * classified once into a {@link WanError}. Thread-safe.
 *
 * <p>The calls go through the one {@link TaskCallFlow} with the native strategies ({@link
 * NativeCreateCall}, {@link NativeTaskQuery}). Gateways that relay the native protocol reuse it
 * with a {@linkplain Builder#pathPrefix path prefix}, their own {@linkplain Builder#endpoints
 * create-path choice} and {@linkplain Builder#gatewayErrors error answers of their own}.
 */
public final class DashScopeClient implements WanClient {

  /** Header that makes a create call asynchronous; without it DashScope refuses the call. */
  public static final String ASYNC_HEADER = "X-DashScope-Async";

  /** The native answer rules of cancel and list: an error object in a 2xx answer is an error. */
  private static final TaskCallFlow.AnswerRules<Object> NATIVE_ANSWER =
      new TaskCallFlow.AnswerRules<>() {
        @Override
        public boolean errorIn(JsonNode root) {
          return NativeTaskQuery.errorObject(root);
        }
      };

  private final String pathPrefix;
  private final TaskCallFlow flow;
  private final NativeCreateCall create;
  private final NativeTaskQuery query;

  private DashScopeClient(Builder b, HttpSettings settings) {
    this.pathPrefix = b.pathPrefix;
    this.flow = new TaskCallFlow(settings, b.gatewayErrors, DashScopeClient.class);
    this.create = new NativeCreateCall(b.pathPrefix, b.endpoints);
    this.query = new NativeTaskQuery(b.pathPrefix);
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
    return flow.baseUrl();
  }

  /** The gateway's prefix before {@code /api/v1} (for example {@code /alibailian}), or empty. */
  public String pathPrefix() {
    return pathPrefix;
  }

  @Override
  public SubmitOutcome submit(ApiKey key, GenerationRequest request, String pipelineRequestId) {
    return flow.submit(key, request, pipelineRequestId, create);
  }

  @Override
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId) {
    return flow.query(key, taskId, query);
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
    return flow.call(
        key, what, taskId, flow.authorized(key, pathAndQuery).GET().build(), reader::read);
  }

  @Override
  public QueryOutcome<Boolean> cancel(ApiKey key, String taskId) {
    HttpRequest request =
        flow.authorized(
                key,
                pathPrefix
                    + NativeTaskQuery.TASKS_PATH
                    + "/"
                    + TaskCallFlow.encodePath(taskId)
                    + "/cancel")
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return flow.call(key, "cancel", taskId, request, root -> Boolean.TRUE, nativeAnswer());
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
        flow.authorized(
                key, pathPrefix + NativeTaskQuery.TASKS_PATH + (qs.isEmpty() ? "" : "?" + qs))
            .GET()
            .build();
    return flow.call(key, "list", null, request, TaskResponseParser::page, nativeAnswer());
  }

  @SuppressWarnings("unchecked")
  private static <T> TaskCallFlow.AnswerRules<T> nativeAnswer() {
    return (TaskCallFlow.AnswerRules<T>) NATIVE_ANSWER;
  }

  /** Reads the JSON answer of a query-type call. */
  @FunctionalInterface
  public interface AnswerReader<T> {
    /** The value of {@code root}; throws when it is not the documented JSON. */
    T read(JsonNode root) throws MalformedResponseException;
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
